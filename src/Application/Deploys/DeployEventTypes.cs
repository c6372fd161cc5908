using EventSourced.Application.EventStore;
using EventSourced.Domain.Deploys;

namespace EventSourced.Application.Deploys;

public static class DeployEventTypes
{
    public static EventTypeRegistry RegisterDeployEvents(this EventTypeRegistry registry) =>
        registry.Register<DeployStatusReported>("deploy_status_reported");
}
