using System.Net;
using EventSourced.IntegrationTests.Support;
using EventSourced.TestSupport;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Tickets;

/// <summary>
/// The newcomer's path: the service run with its embedded mock cluster (Kafka:Embedded), the
/// sample records of docs/samples/tickets sent with `tickets produce`, and the ticket read models
/// showing them, with no broker installed.
/// </summary>
public sealed class ProduceCommandTests
{
    private static readonly string Samples = Path.Combine(Repository.Root, "docs", "samples", "tickets");

    [Fact]
    public async Task The_sample_records_sent_to_the_embedded_cluster_end_in_the_read_models()
    {
        await using var database = await TestDatabase.CreateAsync();
        var addressFile = Path.Combine(Path.GetTempPath(), $"kafka-embedded-{Guid.NewGuid():N}.address");
        try
        {
            await using var api = await ApiProcess.StartAsync(
                new Dictionary<string, string>
                {
                    ["ConnectionStrings:EventStore"] = database.ConnectionString,
                    ["Kafka:Enabled"] = "true",
                    ["Kafka:Embedded"] = "true",
                    ["Kafka:EmbeddedAddressFile"] = addressFile,
                },
                [("ops", "operator")]);
            var cli = new Dictionary<string, string?> { ["ConnectionStrings:EventStore"] = database.ConnectionString, ["Kafka:EmbeddedAddressFile"] = addressFile };

            // The refund first: it waits for its order, which waits for its show.
            foreach (var topic in new[] { "refunds", "orders", "events" })
            {
                var (code, output) = await OperatorCli.RunAsync(cli, "tickets", "produce", "--topic", topic, "--file", Path.Combine(Samples, $"{topic}.jsonl"));
                (code, output).Should().Be((0, $"1 sent to {topic} at {(await File.ReadAllTextAsync(addressFile)).Trim()}\n"));
            }

            using var ops = api.ClientFor("ops");
            await Eventually.HoldsAsync(
                async () => await ops.GetAsync("/api/orders/ord-sample-1") is { StatusCode: HttpStatusCode.OK } response
                    && (await response.JsonAsync(HttpStatusCode.OK)).GetProperty("tickets").EnumerateArray().Select(t => t.GetProperty("status").GetString()).SequenceEqual(["sold", "refunded"]),
                "the sample order with its second ticket refunded");
        }
        finally
        {
            File.Delete(addressFile);
        }
    }

    [Fact]
    public async Task A_bad_line_sends_nothing_and_names_its_line()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(file, [File.ReadAllText(Path.Combine(Samples, "events.jsonl")).Trim(), """{"key":"ev-2","value":{"id":"ev-2"}}"""]);
            var (code, output) = await OperatorCli.RunAsync(new Dictionary<string, string?>(), "tickets", "produce", "--topic", "events", "--file", file, "--bootstrap", "127.0.0.1:1");

            (code, output.Trim()).Should().Be((2, "Nothing sent: line 2: no \"application-id\" header: give it in \"headers\" or with --application-id"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Brokers_that_do_not_answer_are_reported_with_how_many_were_sent()
    {
        var (code, output) = await OperatorCli.RunAsync(
            new Dictionary<string, string?> { ["Kafka:EmbeddedAddressFile"] = "/nonexistent/address" },
            "tickets", "produce", "--topic", "events", "--file", Path.Combine(Samples, "events.jsonl"), "--bootstrap", $"127.0.0.1:{ClosedPort()}", "--timeout", "2");

        code.Should().Be(5);
        output.Should().StartWith("0 of 1 sent to 127.0.0.1:");
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
