using System.Collections.Concurrent;
using EventSourced.Application.Commands;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// Saga steps whose append went unanswered (<see cref="AppendOutcomeUnknownException"/>), by bus
/// message, each with the sends it began. The step's retry makes the same append again and then
/// publishes those sends. Deciding again instead, on a stream that may hold the first try, would
/// find its attempts in flight with nobody sending them: they would wait for the attempt time-out
/// and count as lost tries. Kept in memory: a retry on another node (the broker handing the bus
/// message out again after this node died) decides again, and the attempt time-out recovers that.
/// </summary>
public sealed class UnsettledSteps(TimeProvider clock)
{
    private readonly ConcurrentDictionary<Guid, UnsettledStep> _steps = new();

    /// <summary>Keeps a step for its bus message's retry; steps kept longer than <paramref name="retriedWithin"/> are given up (no retry will come).</summary>
    public void Keep(Guid busMessageId, UnsettledStep step, TimeSpan retriedWithin)
    {
        var givenUp = clock.GetUtcNow() - retriedWithin;
        foreach (var old in _steps.Where(s => s.Value.Since < givenUp))
        {
            _steps.TryRemove(old);
        }

        _steps[busMessageId] = step;
    }

    /// <summary>The step this bus message left unsettled, taken out; null for a bus message that left none, the usual case.</summary>
    public UnsettledStep? Take(Guid busMessageId) => _steps.TryRemove(busMessageId, out var step) ? step : null;
}

/// <param name="AppendAgainAsync">The step's append, made again (<see cref="AppendOutcomeUnknownException.AppendAgainAsync"/>).</param>
/// <param name="Sends">The attempts the step began, to publish once the append is settled; null if it began none.</param>
/// <param name="Since">When the append went unanswered.</param>
public sealed record UnsettledStep(Func<CancellationToken, Task> AppendAgainAsync, SendSealedDeliveries? Sends, DateTimeOffset Since);
