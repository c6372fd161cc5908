using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using EventSourced.Infrastructure.Deliveries;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace EventSourced.IntegrationTests.Deliveries;

/// <summary>
/// The path from a messenger's answer to the saga breaks while a send is with the messenger.
/// Telegram's Bot API, like WhatsApp's and Viber's, keeps no idempotency key: a send made again is
/// a second message to the person. So the outcome must wait for the database, and a send handed
/// out again must be answered from the record of what the messenger accepted.
/// </summary>
public sealed class LostOutcomeDeliveryTests
{
    private static readonly (string, string)[] Identities = [("alice", "user")];

    [Fact]
    public async Task A_send_whose_outcome_meets_a_database_outage_is_recorded_once_it_is_back_and_goes_out_once()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var telegram = await HeldTelegram.StartAsync();
        var real = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        var port = Loopback.FreePort();
        var forwarder = TcpForwarder.Start(port, real.Host!, real.Port);
        try
        {
            await using var api = await ApiProcess.StartAsync(
                new Dictionary<string, string>
                {
                    // The process reaches its database only through the forwarder: stopping it is
                    // an outage for this process alone, not for the other tests on the server.
                    ["ConnectionStrings:EventStore"] = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = port }.ConnectionString,
                    ["Projections:ReadYourWritesTimeout"] = Wait.Patience.ToString(),
                    ["Deliveries:Enabled"] = "true",
                    ["Deliveries:PollInterval"] = "00:00:00.050",
                    ["Deliveries:AttemptTimeout"] = "00:01:00",
                    ["Messengers:Telegram:BaseUrl"] = telegram.BaseUrl.ToString(),
                    ["Messengers:Telegram:Token"] = "outage-test",
                },
                Identities);
            var alice = api.ClientFor("alice");
            (await alice.PostAsJsonAsync("/api/contacts", new { name = "Olga", telegram = "@olga_outage" })).StatusCode.Should().Be(HttpStatusCode.Created);
            var sent = await (await alice.PostAsJsonAsync("/api/messages", new { text = "Doors open at 18:00", contactNames = new[] { "Olga" } })).JsonAsync(HttpStatusCode.Accepted);
            var messageId = sent.GetProperty("id").GetString()!;
            await Eventually.HoldsAsync(() => Task.FromResult(telegram.Requests.Count == 1), "the send to reach the messenger");

            // The database goes away while the messenger takes the message; then it answers.
            await forwarder.DisposeAsync();
            telegram.Answer();

            // The step recording the outcome fails, and is tried again past the eight tries that
            // were all it had: each failure that will be tried again is logged with its message.
            await Eventually.HoldsAsync(
                () => Task.FromResult(api.Output.Count(line => line.Contains($"Deliveries of message {messageId} wait for the database", StringComparison.Ordinal)) >= 8),
                "the outcome's step to wait for the database past eight tries");
            forwarder = TcpForwarder.Start(port, real.Host!, real.Port);

            await Eventually.HoldsAsync(async () => (await DeliveryAsync(alice, messageId)).GetProperty("status").GetString() == "delivered", "the delivery to be recorded delivered");
            (await DeliveryAsync(alice, messageId)).GetProperty("attempts").GetInt32().Should().Be(1, "the send's outcome was recorded, not counted lost");
            telegram.Requests.Should().ContainSingle("the messenger keeps no idempotency key: a second send would be a second message");
        }
        finally
        {
            await forwarder.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_send_handed_out_again_after_the_broker_connection_dropped_is_answered_from_the_record_not_sent_twice()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var telegram = await HeldTelegram.StartAsync();
        var broker = new Uri(RabbitMq.Uri(RabbitMq.VirtualHostOf(database)));
        var port = Loopback.FreePort();
        var forwarder = TcpForwarder.Start(port, broker.Host, broker.Port);
        try
        {
            await using var api = await ApiProcess.StartAsync(
                new Dictionary<string, string>
                {
                    ["ConnectionStrings:EventStore"] = database.ConnectionString,
                    ["Projections:ReadYourWritesTimeout"] = Wait.Patience.ToString(),
                    ["Deliveries:Enabled"] = "true",
                    ["Deliveries:PollInterval"] = "00:00:00.050",
                    ["Deliveries:AttemptTimeout"] = "00:01:00",
                    ["Deliveries:Transport"] = "RabbitMq",
                    // The process reaches the broker only through the forwarder.
                    ["ConnectionStrings:RabbitMq"] = new UriBuilder(broker) { Port = port }.Uri.ToString(),
                    ["Messengers:Telegram:BaseUrl"] = telegram.BaseUrl.ToString(),
                    ["Messengers:Telegram:Token"] = "broker-test",
                },
                Identities);
            var alice = api.ClientFor("alice");
            (await alice.PostAsJsonAsync("/api/contacts", new { name = "Ivan", telegram = "@ivan_broker" })).StatusCode.Should().Be(HttpStatusCode.Created);
            var sent = await (await alice.PostAsJsonAsync("/api/messages", new { text = "Gates close at 22:00", contactNames = new[] { "Ivan" } })).JsonAsync(HttpStatusCode.Accepted);
            var messageId = sent.GetProperty("id").GetString()!;
            await Eventually.HoldsAsync(() => Task.FromResult(telegram.Requests.Count == 1), "the send to reach the messenger");

            // The broker's connection drops while the messenger takes the message; then it answers.
            // The sender cannot settle its bus message, so the broker hands it out again.
            await forwarder.DisposeAsync();
            telegram.Answer();
            await Eventually.HoldsAsync(() => AcceptedRecordedAsync(database), "the messenger's acceptance to be recorded");
            forwarder = TcpForwarder.Start(port, broker.Host, broker.Port);

            await Eventually.HoldsAsync(
                async () => (await DeliveryAsync(alice, messageId)).GetProperty("status").GetString() == "delivered", "the delivery to be recorded delivered", Wait.Scaled(TimeSpan.FromSeconds(60)));
            (await DeliveryAsync(alice, messageId)).GetProperty("attempts").GetInt32().Should().Be(1);
            telegram.Requests.Should().ContainSingle("the messenger keeps no idempotency key: a second send would be a second message");
        }
        finally
        {
            await forwarder.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_step_given_up_during_a_longer_outage_is_logged_and_left_in_no_error_queue_to_be_moved_back()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var telegram = await HeldTelegram.StartAsync();
        var virtualHost = RabbitMq.VirtualHostOf(database);
        var real = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        var port = Loopback.FreePort();
        var forwarder = TcpForwarder.Start(port, real.Host!, real.Port);
        try
        {
            await using var api = await ApiProcess.StartAsync(
                new Dictionary<string, string>
                {
                    ["ConnectionStrings:EventStore"] = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = port }.ConnectionString,
                    ["Projections:ReadYourWritesTimeout"] = Wait.Patience.ToString(),
                    ["Deliveries:Enabled"] = "true",
                    ["Deliveries:PollInterval"] = "00:00:00.050",
                    // Steps wait for the database no longer than an attempt may take: here, the quick retries alone.
                    ["Deliveries:AttemptTimeout"] = "00:00:02",
                    ["Deliveries:Transport"] = "RabbitMq",
                    ["ConnectionStrings:RabbitMq"] = RabbitMq.Uri(virtualHost),
                    ["Messengers:Telegram:BaseUrl"] = telegram.BaseUrl.ToString(),
                    ["Messengers:Telegram:Token"] = "given-up-test",
                },
                Identities);
            var alice = api.ClientFor("alice");
            (await alice.PostAsJsonAsync("/api/contacts", new { name = "Lena", telegram = "@lena_given_up" })).StatusCode.Should().Be(HttpStatusCode.Created);
            (await alice.PostAsJsonAsync("/api/messages", new { text = "Bus leaves at 7", contactNames = new[] { "Lena" } })).StatusCode.Should().Be(HttpStatusCode.Accepted);
            await Eventually.HoldsAsync(() => Task.FromResult(telegram.Requests.Count == 1), "the send to reach the messenger");

            await forwarder.DisposeAsync();
            telegram.Answer();
            await Eventually.HoldsAsync(
                () => Task.FromResult(api.Output.Any(line => line.Contains("R-FAULT", StringComparison.Ordinal) && line.Contains(nameof(DeliverySendsFinished), StringComparison.Ordinal))),
                "the outcome's step to be given up, and logged");

            RabbitMq.MessagesByQueue(virtualHost).Where(q => q.Key.EndsWith("_error", StringComparison.Ordinal)).Sum(q => q.Value)
                .Should().Be(0, "what the schedule and the attempt time-out recover is not kept to be moved back and sent again");
        }
        finally
        {
            await forwarder.DisposeAsync();
        }
    }

    private static async Task<bool> AcceptedRecordedAsync(TestDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM es.delivery_sends", connection);
        return (long)(await command.ExecuteScalarAsync())! == 1;
    }

    private static async Task<System.Text.Json.JsonElement> DeliveryAsync(HttpClient client, string messageId) =>
        (await (await client.GetAsync($"/api/messages/{messageId}")).JsonAsync(HttpStatusCode.OK)).GetProperty("deliveries")[0];

    /// <summary>
    /// Telegram's sendMessage as the real one behaves: every request is a message, whatever its
    /// headers. The first is answered only when the test says so.
    /// </summary>
    private sealed class HeldTelegram : IAsyncDisposable
    {
        private readonly TaskCompletionSource _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private WebApplication _app = null!;

        public ConcurrentQueue<string> Requests { get; } = new();

        public Uri BaseUrl { get; private set; } = null!;

        public static async Task<HeldTelegram> StartAsync()
        {
            var telegram = new HeldTelegram();
            var (app, address) = await Loopback.StartAsync(_ => { }, app => app.MapPost("/bot{token}/sendMessage", telegram.SendMessageAsync));
            (telegram._app, telegram.BaseUrl) = (app, address);
            return telegram;
        }

        public void Answer() => _answer.TrySetResult();

        public async ValueTask DisposeAsync()
        {
            _answer.TrySetResult();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        private async Task<IResult> SendMessageAsync(HttpRequest request)
        {
            Requests.Enqueue(await new StreamReader(request.Body).ReadToEndAsync());
            await _answer.Task;
            return Results.Ok(new { ok = true, result = new { message_id = Requests.Count } });
        }
    }
}
