using EventSourced.Application.Audit;
using EventSourced.Application.Commands;
using EventSourced.Application.Conversations;
using EventSourced.Application.EventStore;
using EventSourced.Application.Messages;
using EventSourced.Application.Tickets;

namespace EventSourced.Api;

public static class UseCaseServiceCollectionExtensions
{
    /// <summary>The application's use cases: the one command handler and the few that span streams.</summary>
    public static IServiceCollection AddUseCases(this IServiceCollection services)
    {
        services.AddSingleton(EventCatalog.Create());
        services.AddSingleton<FoldedStates>();
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
