using EventSourced.Application.Deliveries;
using EventSourced.Application.EventStore;
using EventSourced.Application.Deploys;
using EventSourced.Projections.Contacts;
using EventSourced.Projections.Deliveries;
using EventSourced.Projections.Conversations;
using EventSourced.Projections.Deploys;
using EventSourced.Projections.Messages;
using EventSourced.Projections.Runner;
using EventSourced.Projections.Tickets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventSourced.Projections;

public static class ProjectionServiceCollectionExtensions
{
    /// <summary>The read models, their queries and the runner that keeps them up to date.</summary>
    public static IServiceCollection AddProjections(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var options = new ProjectionOptions();
            sp.GetRequiredService<IConfiguration>().GetSection("Projections").Bind(options);
            return options;
        });
        services.AddSingleton(sp => new ProjectionProgress(
            sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<ProjectionOptions>().ReadYourWritesTimeout, sp.GetRequiredService<IEventStore>(), sp.GetServices<IProjection>()));
        services.AddSingleton<IProjection, ContactsProjection>();
        services.AddSingleton<ContactQueries>();
        services.AddSingleton<IProjection, DeploysProjection>();
        services.AddSingleton<DeployQueries>();
        services.AddSingleton<IProjection, ShowsProjection>();
        services.AddSingleton<IProjection, TicketsProjection>();
        services.AddSingleton<IProjection, ParkedProjection>();
        services.AddSingleton<TicketQueries>();
        services.AddSingleton<IProjection, ConversationsProjection>();
        services.AddSingleton<IProjection, ManagersProjection>();
        services.AddSingleton<ConversationQueries>();
        services.AddSingleton(sp =>
        {
            var options = new DeliveryOptions();
            sp.GetRequiredService<IConfiguration>().GetSection("Deliveries").Bind(options);
            return options;
        });
        services.AddSingleton<IProjection, DeliveryScheduleProjection>();
        services.AddSingleton<DeliveryScheduleQueries>();
        services.AddSingleton<IProjection, MessagesProjection>();
        services.AddSingleton<MessageQueries>();
        // Every reactor's status is shown, whether or not this node runs it (the deploy notifier runs with deliveries only).
        services.AddSingleton(ChatHandover.Definition);
        services.AddSingleton(DeployNotifier.Definition);
        services.AddSingleton(ChangedContactDeliveries.Definition);
        services.AddSingleton<ProjectionStatusQueries>();
        services.AddSingleton<ProjectionOperations>();
        services.AddSingleton<ProjectionDeadLetters>();
        services.AddHostedService<ProjectionHost>();
        return services;
    }

    /// <summary>Scheduling reported deploys' notifications (section Deploys:Notifications).</summary>
    public static IServiceCollection AddDeployNotifier(this IServiceCollection services)
    {
        services.AddOptions<DeployNotificationOptions>().BindConfiguration("Deploys:Notifications");
        services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<DeployNotificationOptions>>().Value);
        services.AddHostedService<DeployNotifier>();
        return services;
    }

    /// <summary>
    /// The reactors every node runs: handing the chats of a manager who leaves duty to those still
    /// on it (ADR 0009), and keeping what waits to go out in step with its contact (ADR 0039, 0040).
    /// </summary>
    public static IServiceCollection AddReactors(this IServiceCollection services) =>
        services.AddHostedService<ChatHandover>().AddHostedService<ChangedContactDeliveries>();

    /// <summary>The delivery backlog's gauges, on every node: those that send and those that do not.</summary>
    public static IServiceCollection AddDeliveryBacklogGauges(this IServiceCollection services) => services.AddHostedService<DeliveryBacklogGauges>();

    /// <summary>Handing due deliveries to the delivery saga from this node when Deliveries:Enabled.</summary>
    public static IServiceCollection AddDeliveryScheduler(this IServiceCollection services)
    {
        services.AddHostedService<DeliveryScheduler>();
        return services;
    }
}
