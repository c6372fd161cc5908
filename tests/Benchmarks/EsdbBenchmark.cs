using System.Text;
using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStore;
using EventSourced.Infrastructure.EventStoreDb;
using EventSourced.Infrastructure.EventStoreDb.Protocol;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace EventSourced.Benchmarks;

/// <summary>
/// The default mode's append scenarios side by side, in rotating rounds of one run: our PostgreSQL
/// store, our EventStoreDB adapter, and raw appends to the same EventStoreDB server through the
/// generated gRPC client (the baseline the adapter is held to). Runs when EVENTSTORE_CONNECTION
/// names a server.
/// </summary>
internal static class EsdbBenchmark
{
    private static readonly Empty Nothing = new();

    public static async Task RunAsync(PostgresEventStore postgres, string connectionString, double seconds, int rounds)
    {
        var adapter = EventStoreDbServiceCollectionExtensions.Create(connectionString);
        var raw = RawAppender.Create(connectionString);
        IReadOnlyList<(string Name, Func<string, long, EventData[], Task> Append)> sides =
        [
            ("postgres", (stream, version, events) => postgres.AppendAsync(stream, ExpectedVersion.From(version), events)),
            ("adapter", (stream, version, events) => adapter.AppendAsync(stream, ExpectedVersion.From(version), events)),
            ("raw gRPC", raw.AppendAsync),
        ];

        Console.WriteLine($"Appends on PostgreSQL, the EventStoreDB adapter and raw gRPC to the same server: {rounds} rounds of {seconds} s, order rotating; medians shown.");
        Console.WriteLine($"{"scenario",-28}{"postgres ev/s",15}{"adapter ev/s",14}{"raw ev/s",12}{"adapter/raw",13}{"pg/adapter",12}");
        var verdicts = new List<string>();
        foreach (var (name, writers, batch) in new[] { ("single event, 1 writer", 1, 1), ("single event, 8 writers", 8, 1), ("100-event batch, 1 writer", 1, 100) })
        {
            var rates = sides.Select(_ => new List<double>()).ToList();
            for (var round = 0; round < rounds; round++)
            {
                for (var turn = 0; turn < sides.Count; turn++)
                {
                    var side = (round + turn) % sides.Count;
                    rates[side].Add(await AppendLoad.RateAsync(writers, batch, seconds, sides[side].Append));
                }
            }

            var (pg, ours, baseline) = (AppendLoad.Median(rates[0]), AppendLoad.Median(rates[1]), AppendLoad.Median(rates[2]));
            Console.WriteLine($"{name,-28}{pg,15:N0}{ours,14:N0}{baseline,12:N0}{ours / baseline,13:F2}{pg / ours,12:F2}");
            verdicts.Add($"{name}: adapter >= 0.8 x raw {(ours / baseline >= 0.8 ? "met" : "NOT met")}, postgres >= adapter {(pg >= ours ? "met" : "NOT met")}");
        }

        Console.WriteLine();
        verdicts.ForEach(Console.WriteLine);
    }

    /// <summary>Appends as a bare client would: the generated client on one channel, no checks of ours.</summary>
    private sealed class RawAppender(Streams.StreamsClient client, Metadata headers)
    {
        public static RawAppender Create(string connectionString)
        {
            var settings = EventStoreDbConnectionString.Parse(connectionString);
            var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
            if (!settings.VerifyCertificate)
            {
#pragma warning disable CA5359 // as the connection string asks, like the adapter
                handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
            }

            var headers = new Metadata();
            if (settings.Authorization is { } authorization)
            {
                headers.Add("authorization", authorization.ToString());
            }

            // The first host: run it against a single node or the cluster's leader.
            var channel = GrpcChannel.ForAddress(settings.AddressOf(settings.Hosts[0]), new GrpcChannelOptions { HttpHandler = handler });
            return new RawAppender(new Streams.StreamsClient(channel), headers);
        }

        public async Task AppendAsync(string stream, long version, EventData[] events)
        {
            var options = new AppendReq.Types.Options { StreamIdentifier = new StreamIdentifier { StreamName = ByteString.CopyFrom(stream, Encoding.UTF8) } };
            if (version < 0)
            {
                options.NoStream = Nothing;
            }
            else
            {
                options.Revision = (ulong)version;
            }

            using var call = client.Append(headers);
            await call.RequestStream.WriteAsync(new AppendReq { Options = options });
            foreach (var e in events)
            {
                await call.RequestStream.WriteAsync(EventStoreDbEventStore.Proposed(e));
            }

            await call.RequestStream.CompleteAsync();
            if ((await call.ResponseAsync).ResultCase != AppendResp.ResultOneofCase.Success)
            {
                throw new InvalidOperationException($"Raw append to {stream} at {version} was refused.");
            }
        }
    }
}
