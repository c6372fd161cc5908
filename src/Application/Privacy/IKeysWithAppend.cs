using EventSourced.Application.EventStore;

namespace EventSourced.Application.Privacy;

/// <summary>A key made for a subject no key is known for yet, to be stored under all its aliases.</summary>
public sealed record NewSubjectKey(SubjectKey Key, IReadOnlyList<string> Aliases);

/// <summary>
/// An event store that can store new subjects' keys in the same transaction as the events sealed
/// under them (PostgreSQL, where the keys' table lives beside the events): a new contact then
/// costs no commit of its own (ADR 0025). Backends elsewhere (EventStoreDB) do not offer it.
/// </summary>
public interface IKeysWithAppend
{
    /// <summary>
    /// As <see cref="IEventStore.AppendAsync"/>, storing <paramref name="newKeys"/> with the events.
    /// Nothing is stored when one of their aliases already leads to a key.
    /// </summary>
    /// <exception cref="SubjectAliasTakenException">An alias of a new key already leads to another key.</exception>
    Task<AppendResult> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, IReadOnlyList<NewSubjectKey> newKeys, CancellationToken ct = default);
}

/// <summary>A subject thought new already has a key (made by another node, or before a restart): seal under that one.</summary>
public sealed class SubjectAliasTakenException(Exception inner) : Exception("An alias of a new subject key already leads to a key.", inner);
