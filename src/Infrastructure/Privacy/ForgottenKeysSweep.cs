using EventSourced.Application.EventStore;
using EventSourced.Application.Privacy;
using EventSourced.Domain.Privacy;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventSourced.Infrastructure.Privacy;

/// <summary>
/// At start-up, destroys again every key the event store says was forgotten: a keys table restored
/// from a backup older than a forgetting would otherwise bring that subject's data back. Runs
/// before the host serves, so nothing is read in between.
/// </summary>
public sealed partial class ForgottenKeysSweep(IEventStore store, EventTypeRegistry registry, ISubjectKeyStore keys, ILogger<ForgottenKeysSweep> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var forgotten = new Dictionary<Guid, SubjectKind>();
        // Sealed: the records hold nothing personal, and this node's key ring need not learn of them.
        var filter = EventFilter.ForTypes(PrivacyEventTypes.SubjectForgotten).Sealed();
        // To the end: a short page that is not the end only waits on transactions in flight (on a
        // busy database longer than a read waits), and a forgetting behind them must not be missed.
        for (var page = await store.ReadAllAsync(0, 1000, filter, cancellationToken); ; page = await store.ReadAllAsync(page.LastPosition, 1000, filter, cancellationToken))
        {
            foreach (var e in page.Events.Select(registry.Deserialize).OfType<SubjectForgotten>())
            {
                forgotten[e.KeyId] = e.Kind;
            }

            if (page.IsEnd)
            {
                break;
            }
        }

        if (forgotten.Count == 0)
        {
            return;
        }

        var live = (await keys.FindAsync(forgotten.Keys, cancellationToken)).Where(k => k.Value is not null && forgotten.ContainsKey(k.Key)).Select(k => k.Key).ToList();
        foreach (var keyId in live)
        {
            await keys.DestroyAsync(keyId, forgotten[keyId], cancellationToken);
        }

        if (live.Count > 0)
        {
            LogDestroyedAgain(logger, live.Count);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Destroyed {Count} keys again that were forgotten but present: the keys table was restored from before their forgetting")]
    private static partial void LogDestroyedAgain(ILogger logger, int count);
}
