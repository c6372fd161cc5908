using EventSourced.Application.Audit;
using EventSourced.Application.Commands;
using EventSourced.Application.Conversations;
using EventSourced.Application.EventStore;
using EventSourced.Application.Messages;
using EventSourced.Application.Tickets;
using EventSourced.Domain.Conversations;

namespace EventSourced.Api;

public static class UseCaseServiceCollectionExtensions
{
    /// <summary>The application's use cases: the one command handler and the few that span streams.</summary>
    public static IServiceCollection AddUseCases(this IServiceCollection services)
    {
        services.AddSingleton(EventCatalog.Create());
        services.AddSingleton<FoldedStates>();
        // The roster gains an event with every chat and every node needs it at once after a
        // start; it holds managers' ids only, no personal data (ADR 0036).
        services.AddSingleton(new SnapshotPolicy(typeof(DutyRoster), "duty-roster/1", Every: 500));
        services.AddSingleton<StateSnapshots>();
        services.AddSingleton<CommandHandler>();
        services.AddSingleton<RecipientResolver>();
        services.AddSingleton<ConversationOpening>();
        services.AddSingleton<TicketIngestion>();
        services.AddSingleton<AuditQueries>();
        services.AddSingleton<Deliveries.FailedQueue>();
        services.AddSingleton<Privacy.Forgetting>();
        return services;
    }
}
