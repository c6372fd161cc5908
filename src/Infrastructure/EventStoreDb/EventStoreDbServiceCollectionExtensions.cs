using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStoreDb.Protocol;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EventSourced.Infrastructure.EventStoreDb;

public static class EventStoreDbServiceCollectionExtensions
{
    public const string ConnectionStringName = "EventStoreDb";

    /// <summary>
    /// With EventStore:Backend = EventStoreDb, events live in EventStoreDB (ConnectionStrings:EventStoreDb,
    /// esdb://...) instead of PostgreSQL; read models, checkpoints and idempotency records stay in PostgreSQL.
    /// Call after AddPostgresEventStore: this registration of the port wins.
    /// </summary>
    public static IServiceCollection AddEventStoreBackend(this IServiceCollection services, IConfiguration configuration)
    {
        var backend = configuration["EventStore:Backend"] ?? "Postgres";
        switch (backend)
        {
            case "Postgres":
                return services;
            case "EventStoreDb":
                var connectionString = configuration.GetConnectionString(ConnectionStringName)
                    ?? throw new InvalidOperationException($"EventStore:Backend is EventStoreDb: set ConnectionStrings:{ConnectionStringName} (esdb://host:2113?tls=false).");
                services.AddSingleton(Create(connectionString));
                services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<EventStoreDbEventStore>());
                return services;
            default:
                throw new InvalidOperationException($"EventStore:Backend must be Postgres or EventStoreDb, not '{backend}'.");
        }
    }

    /// <summary>The adapter over gRPC channels (HTTP/2 connection pools) to the node or cluster named by <paramref name="connectionString"/>.</summary>
    public static EventStoreDbEventStore Create(string connectionString)
    {
        var settings = EventStoreDbConnectionString.Parse(connectionString);
        var nodes = new ClusterNodes(settings, address => Channel(address, settings));
        return new EventStoreDbEventStore(new StreamsCalls(nodes, settings));
    }

    private static GrpcChannel Channel(Uri address, EventStoreDbConnectionString settings)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            // Subscriptions are long-lived streams; pings find a dead connection without traffic.
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        if (!settings.VerifyCertificate)
        {
            // tlsVerifyCert=false, as EventStoreDB's clients allow for self-signed development certificates.
#pragma warning disable CA5359 // deliberate, and only when the connection string says so
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }

        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 16 * 1024 * 1024 });
    }
}
