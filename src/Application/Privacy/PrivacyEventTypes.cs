using EventSourced.Application.EventStore;
using EventSourced.Domain.Privacy;

namespace EventSourced.Application.Privacy;

public static class PrivacyEventTypes
{
    public static EventTypeRegistry RegisterPrivacyEvents(this EventTypeRegistry registry) =>
        registry.Register<SubjectForgotten>("subject_forgotten");
}
