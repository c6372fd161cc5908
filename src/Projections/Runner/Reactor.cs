using EventSourced.Application.EventStore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>
/// Acts on events rather than keeping a read model: follows <c>$all</c> from a checkpoint of its
/// own (<c>proj.reactor_checkpoints</c>), saved after each event it has acted on. What it does
/// must be safe to do twice: a crash before the checkpoint is saved, or a second node following
/// the same events, does it again.
/// </summary>
public abstract partial class Reactor(ReactorDefinition definition, IEventStore store, NpgsqlDataSource dataSource, TimeProvider clock, ILogger logger) : BackgroundService
{
    /// <summary>The checkpoint's key, and who the commands it sends are recorded as made by.</summary>
    public string Name => definition.Name;

    protected TimeProvider Clock { get; } = clock;

    /// <summary>Acts on one event; an exception makes the reactor start again from its checkpoint.</summary>
    protected abstract Task ReactAsync(RecordedEvent recorded, CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await FollowAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database may be away, or a read model behind: start again from the checkpoint soon.
                LogFailed(logger, e, Name);
                await Task.Delay(TimeSpan.FromSeconds(1), Clock, stoppingToken);
            }
        }
    }

    private async Task FollowAsync(CancellationToken ct)
    {
        await ProjectionSchema.EnsureAsync(dataSource, ct);
        var checkpoint = (await dataSource.QueryAsync("SELECT position FROM proj.reactor_checkpoints WHERE name = $1", r => r.GetInt64(0), ct, Name))
            .DefaultIfEmpty(0).Single();
        await foreach (var recorded in store.SubscribeToAllAsync(checkpoint, definition.Filter, ct))
        {
            await ReactAsync(recorded, ct);
            await using var save = dataSource.CreateCommand(
                "INSERT INTO proj.reactor_checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET position = excluded.position");
            save.Parameters.AddWithValue(Name);
            save.Parameters.AddWithValue(recorded.Position);
            await save.ExecuteNonQueryAsync(ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reactor {Reactor} failed; it starts again from its checkpoint")]
    private static partial void LogFailed(ILogger logger, Exception e, string reactor);
}

/// <summary>A reactor's name (its checkpoint's key) and the events it follows: what its status is counted by.</summary>
public sealed record ReactorDefinition(string Name, EventFilter Filter);
