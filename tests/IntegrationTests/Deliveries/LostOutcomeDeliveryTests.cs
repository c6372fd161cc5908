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
        await using var toDatabase = CuttablePath.To(database.Address);
        await using var api = await StartAsync(telegram, new() { ["ConnectionStrings:EventStore"] = Through(database, toDatabase) });
        var messageId = await SendHeldAsync(api, telegram, "@olga_outage");

        // The database goes away while the messenger takes the message; then it answers.
        await toDatabase.CutAsync();
        telegram.Answer();

        // The step recording the outcome fails, and is tried again past the eight tries that were
        // all it had: each failure that will be tried again is logged with its message.
        await Eventually.HoldsAsync(
            () => Task.FromResult(api.Output.Count(line => line.Contains($"Deliveries of message {messageId} wait for the database", StringComparison.Ordinal)) >= 8),
            "the outcome's step to wait for the database past eight tries");
        toDatabase.Restore();

        await ShouldBeDeliveredOnceAsync(api, telegram, messageId);
    }

    [Fact]
    public async Task A_send_handed_out_again_after_the_broker_connection_dropped_is_answered_from_the_record_not_sent_twice()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var telegram = await HeldTelegram.StartAsync();
        var broker = new Uri(RabbitMq.Uri(RabbitMq.VirtualHostOf(database)));
        await using var toBroker = CuttablePath.To((broker.Host, broker.Port));
        await using var api = await StartAsync(telegram, new()
        {
            ["ConnectionStrings:EventStore"] = database.ConnectionString,
            ["Deliveries:Transport"] = "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = new UriBuilder(broker) { Port = toBroker.Port }.Uri.ToString(),
        });
        var messageId = await SendHeldAsync(api, telegram, "@ivan_broker");

        // The broker's connection drops while the messenger takes the message; then it answers.
        // The sender cannot settle its bus message, so the broker hands it out again.
        await toBroker.CutAsync();
        telegram.Answer();
        await Eventually.HoldsAsync(() => AcceptedRecordedAsync(database), "the messenger's acceptance to be recorded");
        toBroker.Restore();

        await ShouldBeDeliveredOnceAsync(api, telegram, messageId);
    }

    [Fact]
    public async Task A_step_given_up_during_a_longer_outage_is_logged_and_left_in_no_error_queue_to_be_moved_back()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var telegram = await HeldTelegram.StartAsync();
        var virtualHost = RabbitMq.VirtualHostOf(database);
        await using var toDatabase = CuttablePath.To(database.Address);
        await using var api = await StartAsync(telegram, new()
        {
            ["ConnectionStrings:EventStore"] = Through(database, toDatabase),
            // Steps wait for the database no longer than an attempt may take: here, the quick retries alone.
            ["Deliveries:AttemptTimeout"] = "00:00:02",
            ["Deliveries:Transport"] = "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = RabbitMq.Uri(virtualHost),
        });
        await SendHeldAsync(api, telegram, "@lena_given_up");

        await toDatabase.CutAsync();
        telegram.Answer();
        await Eventually.HoldsAsync(
            () => Task.FromResult(api.Output.Any(line => line.Contains("R-FAULT", StringComparison.Ordinal) && line.Contains(nameof(DeliverySendsFinished), StringComparison.Ordinal))),
            "the outcome's step to be given up, and logged");

        RabbitMq.MessagesByQueue(virtualHost).Where(q => q.Key.EndsWith("_error", StringComparison.Ordinal)).Sum(q => q.Value)
            .Should().Be(0, "what the schedule and the attempt time-out recover is not kept to be moved back and sent again");
    }

    [Fact]
    public async Task A_step_whose_append_was_stored_but_never_answered_sends_its_attempt_at_once_not_at_the_attempt_time_out()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var telegram = await HeldTelegram.StartAsync();
        telegram.Answer();
        // The append of the first attempt (an event of that type to a message's stream) is stored,
        // and its answer lost: as when the primary fails right after a commit.
        await using var toDatabase = AnswerLosingPath.To(database.Address, "message-", "delivery_attempted");
        await using var api = await StartAsync(telegram, new()
        {
            ["ConnectionStrings:EventStore"] = database.ConnectionStringThrough(toDatabase.Port),
            // Far past the test's patience: the attempt time-out does not recover the attempt here.
            ["Deliveries:AttemptTimeout"] = "00:30:00",
        });
        var alice = api.ClientFor("alice");
        (await alice.PostAsJsonAsync("/api/contacts", new { name = "Recipient", telegram = "@pavel_unanswered" })).StatusCode.Should().Be(HttpStatusCode.Created);
        var sent = await (await alice.PostAsJsonAsync("/api/messages", new { text = "Doors open at 18:00", contactNames = new[] { "Recipient" } })).JsonAsync(HttpStatusCode.Accepted);
        await toDatabase.AnswerLost.WaitAsync(Wait.Patience);

        await ShouldBeDeliveredOnceAsync(api, telegram, sent.GetProperty("id").GetString()!);
    }

    /// <summary>A node sending Telegram deliveries to <paramref name="telegram"/>, with <paramref name="settings"/> (its database among them).</summary>
    private static Task<ApiProcess> StartAsync(HeldTelegram telegram, Dictionary<string, string> settings)
    {
        settings["Projections:ReadYourWritesTimeout"] = Wait.Patience.ToString();
        settings["Deliveries:Enabled"] = "true";
        settings["Deliveries:PollInterval"] = "00:00:00.050";
        settings.TryAdd("Deliveries:AttemptTimeout", "00:01:00");
        settings["Messengers:Telegram:BaseUrl"] = telegram.BaseUrl.ToString();
        settings["Messengers:Telegram:Token"] = "lost-outcome-test";
        return ApiProcess.StartAsync(settings, Identities);
    }

    /// <summary>A message to a new contact on Telegram, once the messenger holds its send: the message's id.</summary>
    private static async Task<string> SendHeldAsync(ApiProcess api, HeldTelegram telegram, string telegramId)
    {
        var alice = api.ClientFor("alice");
        (await alice.PostAsJsonAsync("/api/contacts", new { name = "Recipient", telegram = telegramId })).StatusCode.Should().Be(HttpStatusCode.Created);
        var sent = await (await alice.PostAsJsonAsync("/api/messages", new { text = "Doors open at 18:00", contactNames = new[] { "Recipient" } })).JsonAsync(HttpStatusCode.Accepted);
        await Eventually.HoldsAsync(() => Task.FromResult(telegram.Requests.Count == 1), "the send to reach the messenger");
        return sent.GetProperty("id").GetString()!;
    }

    private static async Task ShouldBeDeliveredOnceAsync(ApiProcess api, HeldTelegram telegram, string messageId)
    {
        var alice = api.ClientFor("alice");
        await Eventually.HoldsAsync(
            async () => (await DeliveryAsync(alice, messageId)).GetProperty("status").GetString() == "delivered", "the delivery to be recorded delivered", Wait.Scaled(TimeSpan.FromSeconds(60)));
        (await DeliveryAsync(alice, messageId)).GetProperty("attempts").GetInt32().Should().Be(1, "the send's outcome was recorded, not counted lost");
        telegram.Requests.Should().ContainSingle("the messenger keeps no idempotency key: a second send would be a second message");
    }

    /// <summary>The database's connection string through the path: cutting it is an outage for that process alone, not for the other tests on the server.</summary>
    private static string Through(TestDatabase database, CuttablePath path) => database.ConnectionStringThrough(path.Port);

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
