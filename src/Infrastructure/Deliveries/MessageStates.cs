using System.Collections.Concurrent;
using EventSourced.Domain.Messages;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// Messages as the delivery saga last folded them, with their stream versions. Only a starting
/// point: every load reads the events appended since, so a state changed elsewhere (another
/// node, the owner's redelivery) is never missed. Bounded by forgetting everything when full.
/// </summary>
public sealed class MessageStates
{
    private const int Capacity = 20_000;
    private readonly ConcurrentDictionary<Guid, (Message Message, long Version)> _states = new();

    public (Message Message, long Version) Get(Guid messageId) =>
        _states.TryGetValue(messageId, out var known) ? known : (Message.None, -1);

    public void Put(Guid messageId, Message message, long version)
    {
        if (_states.Count >= Capacity)
        {
            _states.Clear();
        }

        _states.AddOrUpdate(messageId, (message, version), (_, old) => old.Version >= version ? old : (message, version));
    }
}
