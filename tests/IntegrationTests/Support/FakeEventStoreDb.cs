using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using EventSourced.Infrastructure.EventStoreDb.Protocol;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// A stand-in for an EventStoreDB server (the outside world here): its gRPC streams protocol over
/// cleartext HTTP/2 on loopback, with an in-memory log. It keeps the server's rules the adapter
/// relies on (expected revisions, inclusive $all positions, prefix and regex filters, $$ stream
/// metadata, subscriptions that go live, $bc- correlation streams) but not its dedupe window, so
/// our own idempotency is what the tests see. Streams named unavailable-*, denied-*, slow-* and
/// garbage-* answer with those faults.
/// </summary>
public sealed class FakeEventStoreDb : IAsyncDisposable
{
    private const string Service = "/event_store.client.streams.Streams";
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<ReadResp.Types.ReadEvent.Types.RecordedEvent> _all = [];
    private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeEventStoreDb(WebApplication app) => _app = app;

    public string ConnectionString(string query = "tls=false") =>
        $"esdb://admin:changeit@{new Uri(_app.Urls.First()).Authority}?{query}";

    /// <summary>Every event's data as the server holds it: what a backup of it would.</summary>
    public IReadOnlyList<string> StoredData
    {
        get
        {
            lock (_gate)
            {
                return _all.Select(e => e.Data.ToStringUtf8()).ToList();
            }
        }
    }

    /// <summary>The authorization header of every call, to check that credentials travel.</summary>
    public List<string?> Authorizations { get; } = [];

    /// <summary>Cleartext HTTP/2 (an insecure node), or TLS with a self-signed certificate for 127.0.0.1.</summary>
    public static async Task<FakeEventStoreDb> StartAsync(bool tls = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
        {
            l.Protocols = HttpProtocols.Http2;
            if (tls)
            {
                l.UseHttps(SelfSignedCertificate());
            }
        }));
        var app = builder.Build();
        var fake = new FakeEventStoreDb(app);
        app.MapPost($"{Service}/Append", fake.AppendAsync);
        app.MapPost($"{Service}/Read", fake.ReadAsync);
        await app.StartAsync();
        return fake;
    }

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Kestrel on Linux wants the key in a form it can hand to the TLS stack.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    private async Task AppendAsync(HttpContext http)
    {
        var frames = await ReadFramesAsync(http.Request.Body);
        var options = AppendReq.Parser.ParseFrom(frames[0]).Options;
        var stream = options.StreamIdentifier.StreamName.ToStringUtf8();
        if (await FaultAsync(http, stream))
        {
            return;
        }

        AppendResp response;
        lock (_gate)
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

                response = new AppendResp { WrongExpectedVersion = wrong };
            }
            else
            {
                foreach (var proposed in frames.Skip(1).Select(f => AppendReq.Parser.ParseFrom(f).ProposedMessage))
                {
                    var position = (ulong)(_all.Count + 1) * 100;
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
                    _all.Add(recorded);
                }

                var last = _all[^1];
                response = new AppendResp
                {
                    Success = new AppendResp.Types.Success
                    {
                        CurrentRevision = (ulong)current,
                        Position = new AppendResp.Types.Position { CommitPosition = last.CommitPosition, PreparePosition = last.PreparePosition },
                    },
                };
                _appended.TrySetResult();
                _appended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        await StartAsync(http);
        await WriteFrameAsync(http, response);
        http.Response.AppendTrailer("grpc-status", "0");
    }

    private async Task ReadAsync(HttpContext http)
    {
        var options = ReadReq.Parser.ParseFrom((await ReadFramesAsync(http.Request.Body))[0]).Options;
        if (options.UuidOption is null)
        {
            await TrailersOnlyAsync(http, 3, "uuid_option is required");
            return;
        }

        var stream = options.StreamOptionCase == ReadReq.Types.Options.StreamOptionOneofCase.Stream ? options.Stream.StreamIdentifier.StreamName.ToStringUtf8() : null;
        if (stream is not null && await FaultAsync(http, stream))
        {
            return;
        }

        await StartAsync(http);
        var forward = options.ReadDirection == ReadReq.Types.Options.Types.ReadDirection.Forwards;
        var count = options.CountOptionCase == ReadReq.Types.Options.CountOptionOneofCase.Count ? (int)Math.Min(options.Count, int.MaxValue) : int.MaxValue;
        if (stream is not null)
        {
            var events = StreamRead(stream, options.Stream, forward);
            if (events is null)
            {
                await WriteFrameAsync(http, new ReadResp { StreamNotFound = new ReadResp.Types.StreamNotFound { StreamIdentifier = options.Stream.StreamIdentifier } });
            }
            else
            {
                foreach (var e in events.Take(count))
                {
                    await WriteFrameAsync(http, Event(e, options));
                }
            }

            http.Response.AppendTrailer("grpc-status", "0");
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
            lock (_gate)
            {
                all = forward ? [.. _all.Where(e => start || e.CommitPosition >= from)] : [.. _all.Where(e => e.CommitPosition <= from).Reverse()];
            }

            foreach (var e in all.Where(matches).Take(count))
            {
                await WriteFrameAsync(http, Event(e, options));
            }

            http.Response.AppendTrailer("grpc-status", "0");
            return;
        }

        // A subscription: confirmed, caught up, then live until the client goes away. Its start is exclusive.
        await WriteFrameAsync(http, new ReadResp { Confirmation = new ReadResp.Types.SubscriptionConfirmation { SubscriptionId = Guid.NewGuid().ToString() } });
        var sent = start ? 0UL : from;
        try
        {
            while (!http.RequestAborted.IsCancellationRequested)
            {
                Task appended;
                List<ReadResp.Types.ReadEvent.Types.RecordedEvent> fresh;
                lock (_gate)
                {
                    appended = _appended.Task;
                    fresh = [.. _all.Where(e => e.CommitPosition > sent)];
                }

                foreach (var e in fresh)
                {
                    sent = e.CommitPosition;
                    if (matches(e))
                    {
                        await WriteFrameAsync(http, Event(e, options));
                    }
                }

                await appended.WaitAsync(http.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The subscriber left.
        }
    }

    private List<ReadResp.Types.ReadEvent.Types.RecordedEvent>? StreamRead(string stream, ReadReq.Types.Options.Types.StreamOptions options, bool forward)
    {
        lock (_gate)
        {
            List<ReadResp.Types.ReadEvent.Types.RecordedEvent> events;
            if (stream.StartsWith("$bc-", StringComparison.Ordinal))
            {
                var correlation = stream[4..];
                events = [.. _all.Where(e => e.CustomMetadata.Length > 0 && JsonDocument.Parse(e.CustomMetadata.ToStringUtf8()).RootElement.TryGetProperty("$correlationId", out var c) && c.GetString() == correlation)];
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
        [.. _all.Where(e => e.StreamIdentifier.StreamName.ToStringUtf8() == stream)];

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

    private async Task<bool> FaultAsync(HttpContext http, string stream)
    {
        lock (_gate)
        {
            Authorizations.Add(http.Request.Headers.Authorization.ToString());
        }

        switch (stream.Split('-')[0])
        {
            case "unavailable":
                await TrailersOnlyAsync(http, 14, "Server Is Not Ready");
                return true;
            case "denied":
                http.Response.Headers["exception"] = "access-denied";
                await TrailersOnlyAsync(http, 7, "Access Denied");
                return true;
            case "slow":
                await Task.Delay(TimeSpan.FromSeconds(5), http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return true;
            case "garbage":
                await StartAsync(http);
                await http.Response.Body.WriteAsync(new byte[] { 1, 0, 0, 0, 1, 0 });
                http.Response.AppendTrailer("grpc-status", "0");
                return true;
            default:
                return false;
        }
    }

    private static Task TrailersOnlyAsync(HttpContext http, int status, string message)
    {
        http.Response.ContentType = "application/grpc";
        http.Response.Headers["grpc-status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
        return Task.CompletedTask;
    }

    private static async Task StartAsync(HttpContext http)
    {
        http.Response.ContentType = "application/grpc";
        await http.Response.StartAsync();
    }

    private static async Task WriteFrameAsync(HttpContext http, IMessage message)
    {
        var bytes = message.ToByteArray();
        var frame = new byte[5 + bytes.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), bytes.Length);
        bytes.CopyTo(frame, 5);
        await http.Response.Body.WriteAsync(frame);
        await http.Response.Body.FlushAsync();
    }

    private static async Task<List<byte[]>> ReadFramesAsync(Stream body)
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer);
        var bytes = buffer.ToArray();
        var frames = new List<byte[]>();
        for (var at = 0; at < bytes.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at + 1));
            frames.Add(bytes[(at + 5)..(at + 5 + length)]);
            at += 5 + length;
        }

        return frames;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
