using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EventSourced.Infrastructure.EventStoreDb.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// A stand-in for an EventStoreDB server (the outside world here): its gRPC Streams service,
/// served by Grpc.AspNetCore from the same protos the adapter's client is generated from, over
/// cleartext HTTP/2 on loopback or TLS, with an in-memory log (<see cref="FakeEventStoreDbStreams"/>).
/// It keeps the server's rules the adapter relies on (expected revisions, inclusive $all
/// positions, prefix and regex filters, $$ stream metadata, subscriptions that go live, $bc-
/// correlation streams) but not its dedupe window, so our own idempotency is what the tests see.
/// Streams named unavailable-*, denied-*, slow-* and garbage-* answer with those faults.
/// </summary>
public sealed class FakeEventStoreDb : IAsyncDisposable
{
    private WebApplication _app = null!;

    private FakeEventStoreDb(FakeEventStoreDbLog log, IReadOnlyList<FakeEventStoreDb> cluster)
    {
        Log = log;
        Cluster = cluster;
    }

    /// <summary>The log this node serves: its own, or its cluster's (replication is taken as done).</summary>
    internal FakeEventStoreDbLog Log { get; }

    /// <summary>Every node of its cluster, itself included: what its gossip tells.</summary>
    internal IReadOnlyList<FakeEventStoreDb> Cluster { get; }

    internal Guid InstanceId { get; } = Guid.NewGuid();

    /// <summary>Whether it takes writes; a follower answers them "not leader" and names the leader.</summary>
    public bool IsLeader { get; set; } = true;

    /// <summary>Stopped: it answers nothing, and its cluster's gossip shows it dead.</summary>
    public bool IsStopped { get; private set; }

    /// <summary>The calls it served, as "Append stream" or "Read stream|$all".</summary>
    public List<string> Served { get; } = [];

    public int Port => new Uri(_app.Urls.First()).Port;
    public string ConnectionString(string query = "tls=false") =>
        $"esdb://admin:changeit@{new Uri(_app.Urls.First()).Authority}?{query}";

    /// <summary>Every event's data as the server holds it: what a backup of it would.</summary>
    public IReadOnlyList<string> StoredData
    {
        get
        {
            lock (Log.Gate)
            {
                return Log.All.Select(e => e.Data.ToStringUtf8()).ToList();
            }
        }
    }

    /// <summary>The authorization header of every call, to check that credentials travel.</summary>
    public IReadOnlyList<string?> Authorizations
    {
        get
        {
            lock (Log.Gate)
            {
                return [.. Log.Authorizations];
            }
        }
    }

    /// <summary>A cluster of nodes on one log, the first of them the leader.</summary>
    public static async Task<IReadOnlyList<FakeEventStoreDb>> StartClusterAsync(int size)
    {
        var log = new FakeEventStoreDbLog();
        var cluster = new List<FakeEventStoreDb>();
        for (var i = 0; i < size; i++)
        {
            var node = new FakeEventStoreDb(log, cluster) { IsLeader = i == 0 };
            cluster.Add(node);
            await node.ServeAsync(tls: false);
        }

        return cluster;
    }

    /// <summary>Stops answering, as a node that crashed.</summary>
    public async Task StopAsync()
    {
        IsStopped = true;
        await _app.StopAsync();
    }

    /// <summary>A single node, the leader of itself: cleartext HTTP/2 (an insecure node), or TLS with a self-signed certificate for 127.0.0.1.</summary>
    public static async Task<FakeEventStoreDb> StartAsync(bool tls = false)
    {
        var cluster = new List<FakeEventStoreDb>();
        var node = new FakeEventStoreDb(new FakeEventStoreDbLog(), cluster);
        cluster.Add(node);
        await node.ServeAsync(tls);
        return node;
    }

    private async Task ServeAsync(bool tls)
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
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(this);
        _app = builder.Build();
        _app.Use(AnswerGarbageAsync);
        _app.MapGrpcService<FakeEventStoreDbStreams>();
        _app.MapGrpcService<FakeEventStoreDbGossip>();
        await _app.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!IsStopped)
        {
            await _app.StopAsync();
        }

        await _app.DisposeAsync();
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

    /// <summary>
    /// A read of a garbage-* stream is answered with a frame no gRPC server would send (flagged
    /// compressed, with no encoding named), below the gRPC service, which would only send valid ones.
    /// </summary>
    private static async Task AnswerGarbageAsync(HttpContext http, RequestDelegate next)
    {
        if (http.Request.Path.Value?.EndsWith("/Read", StringComparison.Ordinal) == true)
        {
            http.Request.EnableBuffering();
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            http.Request.Body.Position = 0;
            var frame = body.ToArray();
            if (frame.Length >= 5
                && ReadReq.Parser.ParseFrom(frame.AsSpan(5, BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(1)))).Options?.Stream?.StreamIdentifier.StreamName.ToStringUtf8().StartsWith("garbage-", StringComparison.Ordinal) == true)
            {
                http.Response.ContentType = "application/grpc";
                await http.Response.StartAsync();
                await http.Response.Body.WriteAsync(new byte[] { 1, 0, 0, 0, 1, 0 });
                http.Response.AppendTrailer("grpc-status", "0");
                return;
            }
        }

        await next(http);
    }
}

/// <summary>The stand-in's log, one per single node or per cluster.</summary>
internal sealed class FakeEventStoreDbLog
{
    public Lock Gate { get; } = new();

    /// <summary>Every event appended, in commit order.</summary>
    public List<ReadResp.Types.ReadEvent.Types.RecordedEvent> All { get; } = [];

    /// <summary>Completed at each append, then replaced: live subscriptions wait on it.</summary>
    public TaskCompletionSource Appended { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<string?> Authorizations { get; } = [];

    /// <summary>Streams whose first call had its connection dropped ("reset-" streams).</summary>
    public HashSet<string> Dropped { get; } = [];
}
