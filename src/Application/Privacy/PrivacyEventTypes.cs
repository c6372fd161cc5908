using EventSourced.Application.EventStore;

namespace EventSourced.Application.Privacy;

public static class PrivacyEventTypes
{
    public const string SubjectForgotten = "subject_forgotten";

    public static EventTypeRegistry RegisterPrivacyEvents(this EventTypeRegistry registry) =>
        registry.Register<Domain.Privacy.SubjectForgotten>(SubjectForgotten);
}
