using System.Collections.Concurrent;

namespace EventSourced.Api.Emulator;

/// <summary>One request the emulator took: which endpoint, for whom, what, and whether it was answered as a success.</summary>
public sealed record EmulatedRequest(long Sequence, string Endpoint, string? IdempotencyKey, string Recipient, string Text, int Status, DateTimeOffset At);

/// <summary>Everything the emulator received, in order; a key's success is remembered so a repeat is answered the same without a second message.</summary>
public sealed class EmulatorLog
{
    private readonly ConcurrentQueue<EmulatedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, int> _attemptsByKey = new();
    private readonly ConcurrentDictionary<string, string> _sentByKey = new();
    private long _sequence;

    public IReadOnlyList<EmulatedRequest> Requests => [.. _requests];

    public int NextAttempt(string endpoint, string? key) => key is null ? 1 : _attemptsByKey.AddOrUpdate($"{endpoint}:{key}", 1, (_, n) => n + 1);

    /// <summary>The provider id given to this key's earlier success, if any.</summary>
    public string? SentBefore(string endpoint, string? key) => key is not null && _sentByKey.TryGetValue($"{endpoint}:{key}", out var id) ? id : null;

    public string Record(string endpoint, string? key, string recipient, string text, int status)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        _requests.Enqueue(new EmulatedRequest(sequence, endpoint, key, recipient, text, status, DateTimeOffset.UtcNow));
        var providerId = $"{endpoint}-{sequence}";
        if (status < 300 && key is not null)
        {
            _sentByKey.TryAdd($"{endpoint}:{key}", providerId);
        }

        return providerId;
    }
}
