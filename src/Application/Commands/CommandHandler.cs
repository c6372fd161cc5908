using System.Diagnostics;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Deciding;

namespace EventSourced.Application.Commands;

/// <summary>
/// The one command handler: decide on the stream's state and append with the version it was
/// decided on, so a concurrent writer can never cause a lost update. The state is first the one
/// this node remembers, else the stream read and folded. When the caller did not pin a version,
/// losing the race just means deciding again on the newer state.
/// </summary>
public sealed class CommandHandler(IEventStore store, EventTypeRegistry registry, FoldedStates states, StateSnapshots snapshots)
{
    private const int PageSize = 500;
    private const int Attempts = 3;
    private readonly StreamGates _gates = new();

    /// <param name="assumeEmpty">
    /// The stream is most likely new (a record's first delivery): decide on the initial state and
    /// let the append's version check prove it, instead of reading the stream first (Equinox's
    /// AssumeEmpty). A stream that was not empty costs the read after all, never a wrong decision.
    /// </param>
    public Task<CommandResult<TState>> HandleAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider,
        string streamId,
        TCommand command,
        CommandContext context,
        long? expectedVersion = null,
        bool assumeEmpty = false,
        CancellationToken ct = default)
        where TEvent : class =>
        HandleAllAsync(decider, streamId, [command], context, expectedVersion, assumeEmpty, ct);

    /// <summary>
    /// Several commands to one stream, each decided on the state the previous ones left, and all
    /// their events appended at once: one version check and one round trip instead of one each.
    /// </summary>
    public async Task<CommandResult<TState>> HandleAllAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider,
        string streamId,
        IReadOnlyList<TCommand> commands,
        CommandContext context,
        long? expectedVersion = null,
        bool assumeEmpty = false,
        CancellationToken ct = default)
        where TEvent : class
    {
        using var entered = await _gates.EnterAsync(streamId, ct);
        var generation = states.Generation;
        var remembered = states.Recall<TState>(streamId) ?? (assumeEmpty ? (decider.Initial, -1L) : null);
        if (await TryOnRememberedAsync(decider, streamId, commands, remembered, generation, context, expectedVersion, ct) is { } done)
        {
            return done;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await DecideAndAppendAsync(decider, streamId, commands, context, expectedVersion, ct);
            }
            catch (WrongExpectedVersionException) when (expectedVersion is null && attempt < Attempts)
            {
            }
        }
    }

    /// <summary>
    /// Decides on the state this node remembers, without reading the stream: the append at the
    /// remembered version proves nobody wrote since (Equinox's "allow stale" read). Only an
    /// append that succeeds is trusted. A refusal, a decision to change nothing, or a conflict may
    /// come from a stale memory, so they return null and the caller decides again on a fresh read.
    /// </summary>
    private async Task<CommandResult<TState>?> TryOnRememberedAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, IReadOnlyList<TCommand> commands, (TState State, long Version)? known, long generation, CommandContext context, long? expectedVersion, CancellationToken ct)
        where TEvent : class
    {
        if (known is not { } remembered || (expectedVersion is { } expected && expected != remembered.Version))
        {
            return null;
        }

        List<TEvent> events;
        TState decided;
        try
        {
            (events, decided) = Decide(decider, commands, remembered.State);
        }
        catch (DomainException)
        {
            return null;
        }

        if (events.Count == 0)
        {
            return null;
        }

        try
        {
            return await AppendAsync(streamId, events, decided, remembered.Version, generation, context, ct);
        }
        catch (WrongExpectedVersionException)
        {
            return null;
        }
    }

    /// <summary>
    /// Decides on a state the caller loaded and appends at its version; if the stream moved on
    /// meanwhile, fails with <see cref="WrongExpectedVersionException"/> for the caller to decide
    /// again (a saga step whose decision depends on what it saw). Before failing it brings the
    /// remembered state up to date, so that a caller deciding again on <see cref="RecallOrLoadAsync"/>
    /// sees what it lost to. If the store went away during the append, fails with
    /// <see cref="AppendOutcomeUnknownException"/>, which makes the same append again.
    /// <paramref name="loaded"/> is what <see cref="RecallOrLoadAsync"/> gave.
    /// </summary>
    public async Task<CommandResult<TState>> HandleAllAtAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, IReadOnlyList<TCommand> commands, (TState State, long Version, long Generation) loaded, CommandContext context, CancellationToken ct = default)
        where TEvent : class
    {
        var (events, decided) = Decide(decider, commands, loaded.State);
        if (events.Count == 0)
        {
            return new CommandResult<TState>(loaded.Version, null, loaded.State);
        }

        var data = ToEventData(streamId, events, context);
        async Task<CommandResult<TState>> StoreDecidedAsync(CancellationToken token)
        {
            try
            {
                return await StoreAsync(streamId, data, decided, loaded.Version, loaded.Generation, token);
            }
            catch (WrongExpectedVersionException)
            {
                await LoadAsync(decider, streamId, token);
                throw;
            }
        }

        try
        {
            return await StoreDecidedAsync(ct);
        }
        catch (Exception e) when (StoreUnavailable.Is(e))
        {
            throw new AppendOutcomeUnknownException(streamId, StoreDecidedAsync, e);
        }
    }

    /// <summary>
    /// The state this node remembers, without reading the stream; else the stream read and folded
    /// (<see cref="LoadAsync"/>). With the <see cref="FoldedStates.Generation"/> it was read in.
    /// </summary>
    public async Task<(TState State, long Version, long Generation)> RecallOrLoadAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, CancellationToken ct = default)
        where TEvent : class
    {
        var generation = states.Generation;
        var (state, version) = states.Recall<TState>(streamId) ?? await LoadAsync(decider, streamId, ct);
        return (state, version, generation);
    }

    private async Task<CommandResult<TState>> DecideAndAppendAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, IReadOnlyList<TCommand> commands, CommandContext context, long? expectedVersion, CancellationToken ct)
        where TEvent : class
    {
        var generation = states.Generation;
        var loaded = await LoadAsync(decider, streamId, ct);
        if (expectedVersion is { } expected && expected != loaded.Version)
        {
            throw new WrongExpectedVersionException(streamId, ExpectedVersion.From(expected), loaded.Version);
        }

        var (events, decided) = Decide(decider, commands, loaded.State);
        return events.Count == 0
            ? new CommandResult<TState>(loaded.Version, null, loaded.State)
            : await AppendAsync(streamId, events, decided, loaded.Version, generation, context, ct);
    }

    private static (List<TEvent> Events, TState Decided) Decide<TCommand, TEvent, TState>(Decider<TCommand, TEvent, TState> decider, IReadOnlyList<TCommand> commands, TState state)
        where TEvent : class
    {
        var events = new List<TEvent>();
        var decided = state;
        foreach (var command in commands)
        {
            var next = decider.Decide(command, decided);
            events.AddRange(next);
            decided = next.Aggregate(decided, decider.Evolve);
        }

        return (events, decided);
    }

    private Task<CommandResult<TState>> AppendAsync<TEvent, TState>(string streamId, List<TEvent> events, TState decided, long version, long generation, CommandContext context, CancellationToken ct)
        where TEvent : class =>
        StoreAsync(streamId, ToEventData(streamId, events, context), decided, version, generation, ct);

    private List<EventData> ToEventData<TEvent>(string streamId, List<TEvent> events, CommandContext context)
        where TEvent : class
    {
        var metadata = new EventMetadata(context.CorrelationId, context.CausationId, context.Actor);
        return [.. events.Select((e, i) => registry.ToEventData(e, EventId(context, streamId, registry.NameOf(e.GetType()), i), metadata))];
    }

    /// <param name="generation">The <see cref="FoldedStates.Generation"/> the state decided on was read in.</param>
    private async Task<CommandResult<TState>> StoreAsync<TState>(string streamId, List<EventData> data, TState decided, long version, long generation, CancellationToken ct)
    {
        var category = StreamCategory.Of(streamId);
        using var activity = Telemetry.Source.StartActivity($"append {category}");
        var started = Stopwatch.GetTimestamp();
        var appended = await store.AppendAsync(streamId, ExpectedVersion.From(version), data, ct);
        Telemetry.CommandDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("category", category));
        Telemetry.EventsAppended.Add(data.Count, new KeyValuePair<string, object?>("category", category));
        activity?.SetTag("eventsourced.category", category).SetTag("eventsourced.events", data.Count).SetTag("eventsourced.position", appended.Position);
        // An append of events already stored (a source record delivered again) returns where they
        // were stored: the state decided now is not the stream's, so it is not remembered.
        if (appended.NextVersion == version + data.Count)
        {
            states.Remember(streamId, (decided, appended.NextVersion), generation);
            // Not cancelled with the request: the events are stored, and the caller must hear so.
            await snapshots.TakeIfDueAsync(streamId, decided, appended.NextVersion, data[^1].EventId, CancellationToken.None);
        }

        return new CommandResult<TState>(appended.NextVersion, appended.Position, decided);
    }

    /// <summary>A new id, or one derived from the source record, the stream, the event's type and its place in the append (an RFC 9562 version 8 UUID).</summary>
    private static Guid EventId(CommandContext context, string streamId, string type, int index)
    {
        if (context.SourceRecord is not { } record)
        {
            return Guid.CreateVersion7();
        }

        var bytes = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{record}\n{streamId}\n{type}\n{index}")).AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>
    /// The stream's state and version (-1 for a stream with no events). A state this node folded
    /// before is brought up to date with the events since, instead of folding the whole stream
    /// again: streams such as an owner's contact book or a long chat grow with every command. A
    /// node that holds none starts from the stream's snapshot, for states that have them.
    /// </summary>
    public async Task<(TState State, long Version)> LoadAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, CancellationToken ct = default)
        where TEvent : class
    {
        var generation = states.Generation;
        var folded = (states.Recall<TState>(streamId) is { } known ? await CatchUpAsync(decider, streamId, known, null, ct) : null)
            ?? await FromSnapshotAsync(decider, streamId, ct)
            ?? await FoldAsync(decider, streamId, (decider.Initial, -1L), static _ => true, ct);
        if (folded.LastEventId is { } lastEventId)
        {
            await snapshots.TakeIfDueAsync(streamId, folded.State, folded.Version, lastEventId, ct);
        }

        return states.Remember(streamId, (folded.State, folded.Version), generation);
    }

    /// <summary>The state folded from the stream's events while <paramref name="include"/> holds (history "as of").</summary>
    public async Task<(TState State, long Version)> LoadUntilAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, Func<RecordedEvent, bool> include, CancellationToken ct = default)
        where TEvent : class
    {
        var (state, version, _) = await FoldAsync(decider, streamId, (decider.Initial, -1L), include, ct);
        return (state, version);
    }

    /// <summary>The stream's snapshot brought up to date, or null when it has none that the stream bears out.</summary>
    private async Task<(TState State, long Version, Guid? LastEventId)?> FromSnapshotAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, CancellationToken ct)
        where TEvent : class
    {
        if (await snapshots.FindAsync<TState>(streamId, ct) is not { } snapshot)
        {
            return null;
        }

        var caughtUp = await CatchUpAsync(decider, streamId, (snapshot.State, snapshot.Version), snapshot.EventId, ct);
        StateSnapshots.CountRead(streamId, caughtUp is null ? StateSnapshots.PassedOver : StateSnapshots.Used);
        return caughtUp;
    }

    /// <summary>
    /// A state folded up to <paramref name="from"/>'s version brought up to date, or null when the
    /// stream no longer holds that event (<paramref name="eventId"/>, when known): it was
    /// soft-deleted or truncated past it since, or restored from an older backup, and only a fold
    /// from the start is right. The read starts at the folded event itself to see that.
    /// </summary>
    private async Task<(TState State, long Version, Guid? LastEventId)?> CatchUpAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, (TState State, long Version) from, Guid? eventId, CancellationToken ct)
        where TEvent : class
    {
        var page = await store.ReadStreamAsync(streamId, ReadDirection.Forward, from.Version, PageSize, ct);
        if (page.Count == 0 || page[0].StreamVersion != from.Version || (eventId is { } id && page[0].EventId != id))
        {
            return null;
        }

        var caughtUp = page.Skip(1).Aggregate(from, (folded, recorded) => Evolve(decider, folded, recorded));
        if (page.Count < PageSize)
        {
            return (caughtUp.State, caughtUp.Version, page[^1].EventId);
        }

        var rest = await FoldAsync(decider, streamId, caughtUp, static _ => true, ct);
        return rest with { LastEventId = rest.LastEventId ?? page[^1].EventId };
    }

    private async Task<(TState State, long Version, Guid? LastEventId)> FoldAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, (TState State, long Version) from, Func<RecordedEvent, bool> include, CancellationToken ct)
        where TEvent : class
    {
        var (state, version) = from;
        Guid? lastEventId = null;
        while (true)
        {
            var page = await store.ReadStreamAsync(streamId, ReadDirection.Forward, version + 1, PageSize, ct);
            foreach (var recorded in page)
            {
                if (!include(recorded))
                {
                    return (state, version, lastEventId);
                }

                (state, version) = Evolve(decider, (state, version), recorded);
                lastEventId = recorded.EventId;
            }

            if (page.Count < PageSize)
            {
                return (state, version, lastEventId);
            }
        }
    }

    private (TState State, long Version) Evolve<TCommand, TEvent, TState>(Decider<TCommand, TEvent, TState> decider, (TState State, long Version) folded, RecordedEvent recorded)
        where TEvent : class =>
        (registry.Deserialize(recorded) is TEvent @event ? decider.Evolve(folded.State, @event) : folded.State, recorded.StreamVersion);
}
