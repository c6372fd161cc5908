using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStore;
using EventSourced.Infrastructure.EventStoreDb.Protocol;
using Google.Protobuf;

namespace EventSourced.Infrastructure.EventStoreDb;

/// <summary>
/// The event-store port on EventStoreDB's gRPC streams protocol (ADR 0016). Versions are its
/// stream revisions; positions its commit positions; metadata travels as custom metadata JSON
/// with its $correlationId and $causationId; retention is its own $$ stream metadata. Our promise
/// that re-appending the same event ids stores nothing is kept here, not left to its dedupe window.
/// </summary>
public sealed class EventStoreDbEventStore : IEventStore
{
    private const int PageSize = 500;
    private static readonly Empty Nothing = new();
    private readonly StreamsCalls _calls;

    internal EventStoreDbEventStore(StreamsCalls calls) => _calls = calls;

    public async Task<AppendResult> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventData> events, CancellationToken ct = default)
    {
        if (events.Count == 0)
        {
            throw new ArgumentException("Nothing to append.", nameof(events));
        }

        long? head = null; // the stream's last revision as the server last reported it
        for (var attempt = 0; ; attempt++)
        {
            // The check for earlier appends of these ids and the append must see the same stream:
            // a loose expectation becomes the exact version the check saw. Events hidden by
            // truncation are not seen, so the server's word on the head counts too.
            var exact = expected;
            if (expected.Kind is ExpectedVersionKind.Any or ExpectedVersionKind.StreamExists)
            {
                var (visible, earlier) = await FindAppendedAsync(streamId, events, -1, ct);
                if (earlier is { } done)
                {
                    return done;
                }

                var at = Math.Max(visible, head ?? -1);
                exact = at >= 0 ? ExpectedVersion.Exactly(at) : expected.Kind == ExpectedVersionKind.StreamExists ? expected : ExpectedVersion.NoStream;
            }

            var response = await _calls.AppendAsync([AppendOptions(streamId, exact), .. events.Select(Proposed)], ct);
            if (response.ResultCase == AppendResp.ResultOneofCase.Success)
            {
                var success = response.Success;
                return new AppendResult((long)success.CurrentRevision, (long)success.Position.CommitPosition);
            }

            var actual = response.WrongExpectedVersion.CurrentRevisionOptionCase == AppendResp.Types.WrongExpectedVersion.CurrentRevisionOptionOneofCase.CurrentRevision
                ? (long)response.WrongExpectedVersion.CurrentRevision
                : -1;
            head = actual;
            // Maybe these very events were appended before (a retried command): that is their first result.
            var (_, appended) = await FindAppendedAsync(streamId, events, exact.Kind == ExpectedVersionKind.Exact ? exact.Version : -1, ct);
            if (appended is { } first)
            {
                return first;
            }

            if (expected != exact && attempt < 5)
            {
                continue; // the stream moved between our check and our append: check again
            }

            throw new WrongExpectedVersionException(streamId, expected, actual);
        }
    }

    public async Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, ReadDirection direction, long fromVersion, int maxCount, CancellationToken ct = default)
    {
        var stream = new ReadReq.Types.Options.Types.StreamOptions { StreamIdentifier = Identifier(streamId) };
        if (direction == ReadDirection.Backward && fromVersion == long.MaxValue)
        {
            stream.End = Nothing;
        }
        else
        {
            stream.Revision = (ulong)Math.Max(0, fromVersion);
        }

        var options = Options(direction);
        options.Stream = stream;
        options.Count = (ulong)maxCount;
        options.NoFilter = Nothing;
        return await ReadEventsAsync(options, ct, includeSystem: true);
    }

    public async Task<AllEventsPage> ReadAllAsync(long afterPosition, int maxCount, EventFilter filter, CancellationToken ct = default)
    {
        var options = AllOptions(afterPosition, filter, ReadDirection.Forward);
        // The start position is inclusive there and exclusive here: ask for one more.
        options.Count = (ulong)maxCount + 1;
        var events = (await ReadEventsAsync(options, ct)).Where(e => e.Position > afterPosition && Matches(e, filter)).Take(maxCount).ToList();
        // EventStoreDB's log has one writer: nothing can still appear below what it returned.
        return new AllEventsPage(events, events.Count > 0 ? events[^1].Position : afterPosition, IsEnd: events.Count < maxCount);
    }

    public async Task<long> LastPositionAsync(CancellationToken ct = default)
    {
        var options = Options(ReadDirection.Backward);
        options.All = new ReadReq.Types.Options.Types.AllOptions { End = Nothing };
        options.Count = 1;
        options.NoFilter = Nothing;
        var last = await ReadEventsAsync(options, ct, includeSystem: true);
        return last.Count > 0 ? last[0].Position : 0;
    }

    /// <summary>From the $bc-{correlation id} stream that EventStoreDB's $by_correlation_id system projection keeps (it must run).</summary>
    public async Task<IReadOnlyList<RecordedEvent>> ReadByCorrelationIdAsync(string correlationId, int maxCount, CancellationToken ct = default)
    {
        var options = Options(ReadDirection.Forward);
        options.Stream = new ReadReq.Types.Options.Types.StreamOptions { StreamIdentifier = Identifier($"$bc-{correlationId}"), Start = Nothing };
        options.ResolveLinks = true;
        options.Count = (ulong)maxCount;
        options.NoFilter = Nothing;
        return [.. (await ReadEventsAsync(options, ct)).OrderBy(e => e.Position)];
    }

    public async IAsyncEnumerable<RecordedEvent> SubscribeToAllAsync(long afterPosition, EventFilter filter, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var checkpoint = afterPosition;
        var backoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            var options = AllOptions(checkpoint, filter, ReadDirection.Forward);
            options.Subscription = new ReadReq.Types.Options.Types.SubscriptionOptions();
            // A subscription's filter window only paces the server's checkpoints, which we do not use.
            options.Filter.Max = 32;
            options.Filter.CheckpointIntervalMultiplier = 1000;

            await using var responses = _calls.SubscribeAsync(new ReadReq { Options = options }, ct).GetAsyncEnumerator(ct);
            while (true)
            {
                RecordedEvent? recorded;
                try
                {
                    if (!await responses.MoveNextAsync())
                    {
                        break;
                    }

                    recorded = responses.Current.ContentCase == ReadResp.ContentOneofCase.Event ? ToRecorded(responses.Current.Event) : null;
                }
                catch (EventStoreDbException e) when (e.IsTransient && !ct.IsCancellationRequested)
                {
                    // The server went away or dropped us: resubscribe from the last event delivered.
                    break;
                }

                if (recorded is not null && recorded.Position > checkpoint && Matches(recorded, filter))
                {
                    backoff = TimeSpan.FromMilliseconds(100);
                    checkpoint = recorded.Position;
                    yield return recorded;
                }
            }

            await Task.Delay(backoff, ct);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    public async Task SetStreamMetadataAsync(string streamId, StreamMetadata metadata, CancellationToken ct = default)
    {
        var data = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["$tb"] = metadata.TruncateBefore,
            ["$maxCount"] = metadata.MaxCount,
            ["$maxAge"] = metadata.MaxAge is { } age ? (long)Math.Ceiling(age.TotalSeconds) : null,
        }.Where(p => p.Value is not null).ToDictionary());
        var proposed = Proposed(new EventData(Guid.NewGuid(), "$metadata", data, EventMetadata.Empty));
        await _calls.AppendAsync([AppendOptions(MetadataStream(streamId), ExpectedVersion.Any), proposed], ct);
    }

    public async Task<StreamMetadata> GetStreamMetadataAsync(string streamId, CancellationToken ct = default)
    {
        var last = await ReadStreamAsync(MetadataStream(streamId), ReadDirection.Backward, long.MaxValue, 1, ct);
        if (last.Count == 0)
        {
            return StreamMetadata.None;
        }

        using var json = JsonDocument.Parse(last[0].Data);
        var root = json.RootElement;
        return new StreamMetadata(
            root.TryGetProperty("$tb", out var tb) ? tb.GetInt64() : null,
            root.TryGetProperty("$maxCount", out var count) ? count.GetInt32() : null,
            root.TryGetProperty("$maxAge", out var age) ? TimeSpan.FromSeconds(age.GetInt64()) : null);
    }

    /// <summary>As EventStoreDB soft-deletes: truncate before the next version, so appends continue the numbering.</summary>
    public async Task SoftDeleteAsync(string streamId, CancellationToken ct = default)
    {
        var last = await ReadStreamAsync(streamId, ReadDirection.Backward, long.MaxValue, 1, ct);
        if (last.Count > 0)
        {
            var metadata = await GetStreamMetadataAsync(streamId, ct);
            await SetStreamMetadataAsync(streamId, metadata with { TruncateBefore = last[0].StreamVersion + 1 }, ct);
        }
    }

    /// <summary>
    /// The stream's version, and the first result of an earlier append of exactly these events if
    /// the stream holds them (after <paramref name="afterVersion"/>, or anywhere for -1).
    /// </summary>
    private async Task<(long Version, AppendResult? Earlier)> FindAppendedAsync(string streamId, IReadOnlyList<EventData> events, long afterVersion, CancellationToken ct)
    {
        var version = -1L;
        var matched = new List<RecordedEvent>();
        for (var from = afterVersion + 1; ; from += PageSize)
        {
            var page = await ReadStreamAsync(streamId, ReadDirection.Forward, from, PageSize, ct);
            foreach (var recorded in page)
            {
                version = recorded.StreamVersion;
                if (matched.Count < events.Count && recorded.EventId == events[matched.Count].EventId)
                {
                    if (recorded.Type != events[matched.Count].Type || !SameJson(recorded.Data, events[matched.Count].Data))
                    {
                        throw new EventIdReusedException(streamId, recorded.EventId);
                    }

                    matched.Add(recorded);
                }
                else if (matched.Count is > 0 && matched.Count < events.Count)
                {
                    matched.Clear();
                }
            }

            if (page.Count < PageSize)
            {
                var earlier = matched.Count == events.Count ? new AppendResult(matched[^1].StreamVersion, matched[^1].Position) : (AppendResult?)null;
                return (version, earlier);
            }
        }
    }

    private async Task<List<RecordedEvent>> ReadEventsAsync(ReadReq.Types.Options options, CancellationToken ct, bool includeSystem = false)
    {
        var events = new List<RecordedEvent>();
        foreach (var response in await _calls.ReadAsync(new ReadReq { Options = options }, ct))
        {
            if (response.ContentCase == ReadResp.ContentOneofCase.Event && ToRecorded(response.Event) is { } recorded
                && (includeSystem || !recorded.Type.StartsWith('$')))
            {
                events.Add(recorded);
            }
        }

        return events;
    }

    private static ReadReq.Types.Options Options(ReadDirection direction) => new()
    {
        ReadDirection = direction == ReadDirection.Forward ? ReadReq.Types.Options.Types.ReadDirection.Forwards : ReadReq.Types.Options.Types.ReadDirection.Backwards,
        UuidOption = new ReadReq.Types.Options.Types.UUIDOption { String = Nothing },
        ControlOption = new ReadReq.Types.Options.Types.ControlOption { Compatibility = 1 },
    };

    private static ReadReq.Types.Options AllOptions(long afterPosition, EventFilter filter, ReadDirection direction)
    {
        var options = Options(direction);
        options.All = afterPosition > 0
            ? new ReadReq.Types.Options.Types.AllOptions { Position = new ReadReq.Types.Options.Types.Position { CommitPosition = (ulong)afterPosition, PreparePosition = (ulong)afterPosition } }
            : new ReadReq.Types.Options.Types.AllOptions { Start = Nothing };
        var expression = new ReadReq.Types.Options.Types.FilterOptions.Types.Expression();
        // The "count" window: a filtered read scans on until it has found as many events as asked.
        var filterOptions = new ReadReq.Types.Options.Types.FilterOptions { Count = Nothing };
        if (filter.Categories is { } categories)
        {
            // A filtered $all read rather than $ce-{category}: it needs no system projection and keeps $all positions.
            expression.Prefix.AddRange(categories.Select(category => $"{category}-"));
            filterOptions.StreamIdentifier = expression;
        }
        else
        {
            // Our events only: the server's own ($metadata, $statsCollected, ...) start with '$'.
            if (filter.EventTypes is { } types)
            {
                expression.Prefix.AddRange(types);
            }
            else
            {
                expression.Regex = "^[^$]";
            }

            filterOptions.EventType = expression;
        }

        options.Filter = filterOptions;
        return options;
    }

    private static bool Matches(RecordedEvent recorded, EventFilter filter) =>
        !recorded.Type.StartsWith('$')
        && (filter.Categories is null || filter.Categories.Contains(recorded.Category))
        && (filter.EventTypes is null || filter.EventTypes.Contains(recorded.Type));

    private static AppendReq AppendOptions(string streamId, ExpectedVersion expected)
    {
        var options = new AppendReq.Types.Options { StreamIdentifier = Identifier(streamId) };
        switch (expected.Kind)
        {
            case ExpectedVersionKind.Exact:
                options.Revision = (ulong)expected.Version;
                break;
            case ExpectedVersionKind.NoStream:
                options.NoStream = Nothing;
                break;
            case ExpectedVersionKind.StreamExists:
                options.StreamExists = Nothing;
                break;
            default:
                options.Any = Nothing;
                break;
        }

        return new AppendReq { Options = options };
    }

    /// <summary>An event as Append proposes it (the raw baseline of the benchmarks sends the same).</summary>
    internal static AppendReq Proposed(EventData e)
    {
        var proposed = new AppendReq.Types.ProposedMessage
        {
            Id = new UUID { String = e.EventId.ToString() },
            Data = ByteString.CopyFromUtf8(e.Data),
            CustomMetadata = ByteString.CopyFromUtf8(EventStoreDbMetadata.Serialize(e.Metadata)),
        };
        proposed.Metadata.Add("type", e.Type);
        proposed.Metadata.Add("content-type", "application/json");
        return new AppendReq { ProposedMessage = proposed };
    }

    private static RecordedEvent? ToRecorded(ReadResp.Types.ReadEvent read)
    {
        var e = read.Event;
        if (e is null)
        {
            return null; // a link to a deleted event
        }

        var id = e.Id.ValueCase == UUID.ValueOneofCase.String ? Guid.Parse(e.Id.String) : FromStructured(e.Id.Structured);
        var created = e.Metadata.TryGetValue("created", out var ticks) && long.TryParse(ticks, out var t) ? DateTimeOffset.UnixEpoch.AddTicks(t) : DateTimeOffset.UnixEpoch;
        return new RecordedEvent(id, e.StreamIdentifier.StreamName.ToStringUtf8(), (long)e.StreamRevision, (long)e.CommitPosition,
            e.Metadata.TryGetValue("type", out var type) ? type : "", e.Data.ToStringUtf8(), EventStoreDbMetadata.Deserialize(e.CustomMetadata.ToStringUtf8()), created);
    }

    // Java's UUID halves, as EventStoreDB's structured form carries them.
    private static Guid FromStructured(UUID.Types.Structured s)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, s.MostSignificantBits);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes[8..], s.LeastSignificantBits);
        return new Guid(bytes, bigEndian: true);
    }

    private static StreamIdentifier Identifier(string streamId) => new() { StreamName = ByteString.CopyFrom(streamId, Encoding.UTF8) };

    private static string MetadataStream(string streamId) => $"$${streamId}";

    private static bool SameJson(string a, string b)
    {
        if (a == b)
        {
            return true;
        }

        using var left = JsonDocument.Parse(a);
        using var right = JsonDocument.Parse(b);
        return JsonElement.DeepEquals(left.RootElement, right.RootElement);
    }
}
