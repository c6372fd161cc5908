using System.Buffers.Binary;
using System.Text.Json;
using System.Text.RegularExpressions;
using EventSourced.Infrastructure.EventStoreDb.Protocol;
using Grpc.Core;

namespace EventSourced.IntegrationTests.Support;

/// <summary>The stand-in's Streams service (see <see cref="FakeEventStoreDb"/>): the generated service base, over its in-memory log.</summary>
internal sealed class FakeEventStoreDbStreams(FakeEventStoreDb node) : Streams.StreamsBase
{
    private readonly FakeEventStoreDbLog server = node.Log;

    public override async Task<AppendResp> Append(IAsyncStreamReader<AppendReq> requestStream, ServerCallContext context)
    {
        var requests = new List<AppendReq>();
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            requests.Add(request);
        }

        var options = requests[0].Options;
        var stream = options.StreamIdentifier.StreamName.ToStringUtf8();
        await FaultAsync(stream, context);
        if (!node.IsLeader)
        {
            var leader = node.Cluster.First(n => n.IsLeader);
            throw new RpcException(new Status(StatusCode.NotFound, "Leader info available"), new Metadata
            {
                { "exception", "not-leader" },
                { "leader-endpoint-host", "127.0.0.1" },
                { "leader-endpoint-port", leader.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            });
        }

        lock (server.Gate)
        {
            node.Served.Add($"Append {stream}");
        }

        lock (server.Gate)
        {
            var current = Stream(stream).Select(e => (long)e.StreamRevision).DefaultIfEmpty(-1).Max();
            var ok = options.ExpectedStreamRevisionCase switch
            {
                AppendReq.Types.Options.ExpectedStreamRevisionOneofCase.Revision => current == (long)options.Revision,
                AppendReq.Types.Options.ExpectedStreamRevisionOneofCase.NoStream => current == -1,
                AppendReq.Types.Options.ExpectedStreamRevisionOneofCase.StreamExists => current >= 0,
                _ => true,
            };
            if (!ok)
            {
                var wrong = new AppendResp.Types.WrongExpectedVersion();
                if (current >= 0)
                {
                    wrong.CurrentRevision = (ulong)current;
                }
                else
                {
                    wrong.CurrentNoStream = new Empty();
                }

                return new AppendResp { WrongExpectedVersion = wrong };
            }

            foreach (var proposed in requests.Skip(1).Select(r => r.ProposedMessage))
            {
                var position = (ulong)(server.All.Count + 1) * 100;
                var recorded = new ReadResp.Types.ReadEvent.Types.RecordedEvent
                {
                    Id = proposed.Id,
                    StreamIdentifier = options.StreamIdentifier,
                    StreamRevision = (ulong)++current,
                    CommitPosition = position,
                    PreparePosition = position,
                    CustomMetadata = proposed.CustomMetadata,
                    Data = proposed.Data,
                };
                recorded.Metadata.Add(proposed.Metadata);
                recorded.Metadata["created"] = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
                server.All.Add(recorded);
            }

            var last = server.All[^1];
            server.Appended.TrySetResult();
            server.Appended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return new AppendResp
            {
                Success = new AppendResp.Types.Success
                {
                    CurrentRevision = (ulong)current,
                    Position = new AppendResp.Types.Position { CommitPosition = last.CommitPosition, PreparePosition = last.PreparePosition },
                },
            };
        }
    }

    public override async Task Read(ReadReq request, IServerStreamWriter<ReadResp> responseStream, ServerCallContext context)
    {
        var options = request.Options;
        if (options.UuidOption is null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "uuid_option is required"));
        }

        var stream = options.StreamOptionCase == ReadReq.Types.Options.StreamOptionOneofCase.Stream ? options.Stream.StreamIdentifier.StreamName.ToStringUtf8() : null;
        if (stream is not null)
        {
            await FaultAsync(stream, context);
        }

        lock (server.Gate)
        {
            node.Served.Add($"Read {stream ?? "$all"}");
        }

        var forward = options.ReadDirection == ReadReq.Types.Options.Types.ReadDirection.Forwards;
        var count = options.CountOptionCase == ReadReq.Types.Options.CountOptionOneofCase.Count ? (int)Math.Min(options.Count, int.MaxValue) : int.MaxValue;
        if (stream is not null)
        {
            var events = StreamRead(stream, options.Stream, forward);
            if (events is null)
            {
                await responseStream.WriteAsync(new ReadResp { StreamNotFound = new ReadResp.Types.StreamNotFound { StreamIdentifier = options.Stream.StreamIdentifier } });
                return;
            }

            foreach (var e in events.Take(count))
            {
                await responseStream.WriteAsync(Event(e, options));
            }

            return;
        }

        var (from, start) = options.All.AllOptionCase switch
        {
            ReadReq.Types.Options.Types.AllOptions.AllOptionOneofCase.Position => (options.All.Position.CommitPosition, false),
            ReadReq.Types.Options.Types.AllOptions.AllOptionOneofCase.End => (ulong.MaxValue, false),
            _ => (0UL, true),
        };
        var matches = Filter(options);
        if (options.CountOptionCase != ReadReq.Types.Options.CountOptionOneofCase.Subscription)
        {
            List<ReadResp.Types.ReadEvent.Types.RecordedEvent> all;
            lock (server.Gate)
            {
                all = forward ? [.. server.All.Where(e => start || e.CommitPosition >= from)] : [.. server.All.Where(e => e.CommitPosition <= from).Reverse()];
            }

            foreach (var e in all.Where(matches).Take(count))
            {
                await responseStream.WriteAsync(Event(e, options));
            }

            return;
        }

        // A subscription: confirmed, caught up, then live until the client goes away. Its start is exclusive.
        await responseStream.WriteAsync(new ReadResp { Confirmation = new ReadResp.Types.SubscriptionConfirmation { SubscriptionId = Guid.NewGuid().ToString() } });
        var sent = start ? 0UL : from;
        try
        {
            while (!context.CancellationToken.IsCancellationRequested)
            {
                Task appended;
                List<ReadResp.Types.ReadEvent.Types.RecordedEvent> fresh;
                lock (server.Gate)
                {
                    appended = server.Appended.Task;
                    fresh = [.. server.All.Where(e => e.CommitPosition > sent)];
                }

                foreach (var e in fresh)
                {
                    sent = e.CommitPosition;
                    if (matches(e))
                    {
                        await responseStream.WriteAsync(Event(e, options));
                    }
                }

                await appended.WaitAsync(context.CancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The subscriber left.
        }
    }

    private List<ReadResp.Types.ReadEvent.Types.RecordedEvent>? StreamRead(string stream, ReadReq.Types.Options.Types.StreamOptions options, bool forward)
    {
        lock (server.Gate)
        {
            List<ReadResp.Types.ReadEvent.Types.RecordedEvent> events;
            if (stream.StartsWith("$bc-", StringComparison.Ordinal))
            {
                var correlation = stream[4..];
                events = [.. server.All.Where(e => e.CustomMetadata.Length > 0 && JsonDocument.Parse(e.CustomMetadata.ToStringUtf8()).RootElement.TryGetProperty("$correlationId", out var c) && c.GetString() == correlation)];
            }
            else
            {
                events = Stream(stream);
                // The stream's $$ metadata applies on reads, as the server applies it.
                var metadata = Stream($"$${stream}").LastOrDefault();
                if (metadata is not null)
                {
                    var root = JsonDocument.Parse(metadata.Data.ToStringUtf8()).RootElement;
                    var head = events.Count == 0 ? -1 : (long)events[^1].StreamRevision;
                    var truncate = root.TryGetProperty("$tb", out var tb) ? tb.GetInt64() : 0;
                    var keep = root.TryGetProperty("$maxCount", out var mc) ? head - mc.GetInt64() + 1 : 0;
                    events = [.. events.Where(e => (long)e.StreamRevision >= Math.Max(truncate, keep))];
                }
            }

            if (events.Count == 0 && Stream(stream).Count == 0 && !stream.StartsWith('$'))
            {
                return null;
            }

            var revision = options.RevisionOptionCase == ReadReq.Types.Options.Types.StreamOptions.RevisionOptionOneofCase.Revision ? (long)options.Revision : (long?)null;
            return forward
                ? [.. events.Where(e => revision is null || (long)e.StreamRevision >= revision)]
                : [.. events.Where(e => options.RevisionOptionCase != ReadReq.Types.Options.Types.StreamOptions.RevisionOptionOneofCase.Revision || (long)e.StreamRevision <= revision).Reverse()];
        }
    }

    private List<ReadResp.Types.ReadEvent.Types.RecordedEvent> Stream(string stream) =>
        [.. server.All.Where(e => e.StreamIdentifier.StreamName.ToStringUtf8() == stream)];

    private static Func<ReadResp.Types.ReadEvent.Types.RecordedEvent, bool> Filter(ReadReq.Types.Options options)
    {
        if (options.FilterOptionCase != ReadReq.Types.Options.FilterOptionOneofCase.Filter)
        {
            return _ => true;
        }

        var filter = options.Filter;
        var byStream = filter.FilterCase == ReadReq.Types.Options.Types.FilterOptions.FilterOneofCase.StreamIdentifier;
        var expression = byStream ? filter.StreamIdentifier : filter.EventType;
        var regex = expression.Regex.Length > 0 ? new Regex(expression.Regex) : null;
        return e =>
        {
            var subject = byStream ? e.StreamIdentifier.StreamName.ToStringUtf8() : e.Metadata["type"];
            return (regex is null || regex.IsMatch(subject)) && (expression.Prefix.Count == 0 || expression.Prefix.Any(p => subject.StartsWith(p, StringComparison.Ordinal)));
        };
    }

    private static ReadResp Event(ReadResp.Types.ReadEvent.Types.RecordedEvent e, ReadReq.Types.Options options)
    {
        var copy = e.Clone();
        if (options.UuidOption.ContentCase == ReadReq.Types.Options.Types.UUIDOption.ContentOneofCase.Structured)
        {
            Span<byte> bytes = stackalloc byte[16];
            Guid.Parse(e.Id.String).TryWriteBytes(bytes, bigEndian: true, out _);
            copy.Id = new UUID
            {
                Structured = new UUID.Types.Structured
                {
                    MostSignificantBits = BinaryPrimitives.ReadInt64BigEndian(bytes),
                    LeastSignificantBits = BinaryPrimitives.ReadInt64BigEndian(bytes[8..]),
                },
            };
        }

        return new ReadResp { Event = new ReadResp.Types.ReadEvent { Event = copy, CommitPosition = e.CommitPosition } };
    }

    private async Task FaultAsync(string stream, ServerCallContext context)
    {
        lock (server.Gate)
        {
            server.Authorizations.Add(context.RequestHeaders.GetValue("authorization"));
        }

        switch (stream.Split('-')[0])
        {
            case "reset" when FirstCallOf(stream):
                // The stream's first call ends as on a node going down: the connection goes, with no
                // status, and the client sees the transport fail.
                context.GetHttpContext().Abort();
                throw new OperationCanceledException("The connection was dropped.");
            case "unavailable":
                throw new RpcException(new Status(StatusCode.Unavailable, "Server Is Not Ready"));
            case "denied":
                throw new RpcException(new Status(StatusCode.PermissionDenied, "Access Denied"), new Metadata { { "exception", "access-denied" } });
            case "slow":
                // Longer than any deadline the tests set: the client gives up first.
                await Task.Delay(TimeSpan.FromSeconds(5), context.CancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, "Too slow"));
            default:
                return;
        }
    }

    private bool FirstCallOf(string stream)
    {
        lock (server.Gate)
        {
            return server.Dropped.Add(stream);
        }
    }
}
