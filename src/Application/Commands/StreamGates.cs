namespace EventSourced.Application.Commands;

/// <summary>
/// One command at a time per stream on this node. Concurrent commands to one stream (an owner
/// adding contacts from several tabs) would otherwise race: all but one lose the append, read
/// again and retry, and under load a command can lose every attempt. Queued instead, each
/// decides on the state the previous one left. Other nodes are still caught by the expected
/// version. A gate lives only while someone holds or waits for it.
/// </summary>
internal sealed class StreamGates
{
    private readonly Dictionary<string, Gate> _gates = new(StringComparer.Ordinal);

    public async ValueTask<Entered> EnterAsync(string streamId, CancellationToken ct)
    {
        Gate gate;
        lock (_gates)
        {
            if (!_gates.TryGetValue(streamId, out gate!))
            {
                gate = new Gate();
                _gates[streamId] = gate;
            }

            gate.Users++;
        }

        try
        {
            await gate.Semaphore.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            Leave(streamId, gate);
            throw;
        }

        return new Entered(this, streamId, gate);
    }

    private void Leave(string streamId, Gate gate)
    {
        lock (_gates)
        {
            if (--gate.Users == 0)
            {
                _gates.Remove(streamId);
            }
        }
    }

    internal sealed class Gate
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }

    public readonly struct Entered(StreamGates gates, string streamId, Gate gate) : IDisposable
    {
        public void Dispose()
        {
            gate.Semaphore.Release();
            gates.Leave(streamId, gate);
        }
    }
}
