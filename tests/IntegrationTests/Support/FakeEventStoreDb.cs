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

    private FakeEventStoreDb()
    {
    }

    internal Lock Gate { get; } = new();

    /// <summary>The log: every event appended, in commit order.</summary>
    internal List<ReadResp.Types.ReadEvent.Types.RecordedEvent> All { get; } = [];

    /// <summary>Completed at each append, then replaced: live subscriptions wait on it.</summary>
    internal TaskCompletionSource Appended { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string ConnectionString(string query = "tls=false") =>
        $"esdb://admin:changeit@{new Uri(_app.Urls.First()).Authority}?{query}";

    /// <summary>Every event's data as the server holds it: what a backup of it would.</summary>
    public IReadOnlyList<string> StoredData
    {
        get
        {
            lock (Gate)
            {
                return All.Select(e => e.Data.ToStringUtf8()).ToList();
            }
        }
    }

    /// <summary>The authorization header of every call, to check that credentials travel.</summary>
    public List<string?> Authorizations { get; } = [];

    /// <summary>Cleartext HTTP/2 (an insecure node), or TLS with a self-signed certificate for 127.0.0.1.</summary>
    public static async Task<FakeEventStoreDb> StartAsync(bool tls = false)
    {
        var fake = new FakeEventStoreDb();
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
        builder.Services.AddSingleton(fake);
        fake._app = builder.Build();
        fake._app.Use(AnswerGarbageAsync);
        fake._app.MapGrpcService<FakeEventStoreDbStreams>();
        await fake._app.StartAsync();
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
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
