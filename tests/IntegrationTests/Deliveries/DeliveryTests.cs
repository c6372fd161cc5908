using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.Infrastructure.Deliveries;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Deliveries;

/// <summary>Messages go out through the scheduler, the delivery saga and the gateways to the emulator, and every step is in the message's stream.</summary>
public abstract class DeliveryTests<TApi>(TApi api) : IClassFixture<TApi>
    where TApi : DeliveryApi
{
    private readonly HttpClient _alice = api.ClientFor("alice");

    [Fact]
    public async Task A_delivery_that_fails_twice_is_retried_and_then_delivered_once()
    {
        var (message, deliveries) = await ScheduleAsync(whatsApp: "+4915112345678");

        await UntilAsync(message, "delivery_succeeded");

        (await TypesAsync(message)).Should().Equal(
            "message_scheduled", "delivery_attempted", "delivery_attempt_failed", "delivery_attempted", "delivery_attempt_failed", "delivery_attempted", "delivery_succeeded");
        var received = (await api.Emulator.ReceivedAsync("whatsapp")).Where(r => r.IdempotencyKey == deliveries[0].ToString()).ToList();
        received.Select(r => r.Status).Should().Equal(503, 503, 200);
    }

    [Fact]
    public async Task Viber_always_fails_so_the_delivery_lands_in_the_failed_queue_and_a_redelivery_tries_it_afresh()
    {
        var (message, deliveries) = await ScheduleAsync(viber: "olga");
        await UntilAsync(message, "delivery_failed");

        var failed = await FailedAsync(deliveries[0]);
        failed.GetProperty("attempts").GetInt32().Should().Be(3);
        failed.GetProperty("lastError").GetString().Should().StartWith("503");

        var redelivered = await (await _alice.PostAsJsonAsync("/api/deliveries/failed/redeliver", new { deliveryIds = deliveries })).JsonAsync(HttpStatusCode.OK);
        redelivered.GetProperty("done").EnumerateArray().Select(d => d.GetGuid()).Should().Equal(deliveries);
        await Eventually.HoldsAsync(async () => (await TypesAsync(message)).Count(t => t == "delivery_failed") == 2, "the redelivery to fail again");

        var types = await TypesAsync(message);
        types.SkipWhile(t => t != "delivery_redelivery_requested").Count(t => t == "delivery_attempted").Should().Be(3, "attempts start again from one");
        (await api.Emulator.ReceivedAsync("viber")).Count(r => r.IdempotencyKey == deliveries[0].ToString()).Should().Be(6);

        // Discard acts on the failed queue as the read model shows it: once it lists the second failure.
        var failedAgain = (await api.StreamAsync($"message-{message}")).Last(e => e.Type == "delivery_failed").Position;
        (await (await _alice.GetAsync($"/api/deliveries/failed?minPosition={failedAgain}")).JsonAsync(HttpStatusCode.OK))
            .EnumerateArray().Should().Contain(f => f.GetProperty("deliveryId").GetGuid() == deliveries[0]);
        var discarded = await (await _alice.PostAsJsonAsync("/api/deliveries/failed/discard", new { all = true })).JsonAsync(HttpStatusCode.OK);
        var position = discarded.GetProperty("position").GetInt64();
        (await (await _alice.GetAsync($"/api/deliveries/failed?minPosition={position}")).JsonAsync(HttpStatusCode.OK))
            .EnumerateArray().Should().NotContain(f => f.GetProperty("deliveryId").GetGuid() == deliveries[0]);
    }

    [Fact]
    public async Task A_delivery_due_while_the_service_was_down_goes_out_once_after_it_comes_back()
    {
        var name = $"Later {Guid.NewGuid():N}"[..16];
        Guid message;
        await using (var first = api.Over(api.Database, api.Emulator))
        {
            var client = first.ClientFor("vera");
            // Stopped while its bus still connects, a node could leave consumers behind on the broker.
            await ReadyAsync(client);
            await (await client.PostAsJsonAsync("/api/contacts", new { name, telegram = "@later_user" })).JsonAsync(HttpStatusCode.Created);
            message = (await (await client.PostAsJsonAsync("/api/messages", new { text = "Later", contactNames = new[] { name }, notBefore = DateTimeOffset.UtcNow.AddHours(1) }))
                .JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        }

        // The first node is gone; the delivery comes due while no node runs (this fixture's, if up,
        // runs now). A node comes back after it was due: another process, as far as the database knows.
        (await TypesAsync(message)).Should().Equal("message_scheduled");
        await using var later = api.Over(api.Database, api.Emulator, clockAhead: TimeSpan.FromHours(2));
        _ = later.ClientFor("vera");
        await UntilAsync(message, "delivery_succeeded");

        var delivery = JsonDocument.Parse((await api.StreamAsync($"message-{message}"))[0].Data).RootElement.GetProperty("deliveries")[0].GetProperty("deliveryId").GetString();
        (await api.Emulator.ReceivedAsync("telegram")).Count(r => r.IdempotencyKey == delivery).Should().Be(1);
        (await TypesAsync(message)).Count(t => t == "delivery_attempted").Should().Be(1);
    }

    [Fact]
    public async Task An_operator_lists_and_redelivers_an_owners_failed_delivery_from_the_command_line_and_it_is_audited()
    {
        var (message, deliveries) = await ScheduleAsync(telegram: "@unknown_chat_cli");
        await FailedAsync(deliveries[0]);

        var (listed, listing) = await OperatorAsync("deliveries", "failed", "--owner", "alice");
        var (code, output) = await OperatorAsync("deliveries", "redeliver", "--owner", "alice", "--delivery", deliveries[0].ToString());
        var (refused, _) = await OperatorAsync("deliveries", "discard", "--owner", "alice");

        listed.Should().Be(0);
        listing.Should().Contain(deliveries[0].ToString());
        code.Should().Be(0);
        output.Should().Contain("redeliver: 1 done, 0 not in the failed queue.");
        refused.Should().Be(2);
        var redelivery = (await api.StreamAsync($"message-{message}")).First(e => e.Type == "delivery_redelivery_requested");
        redelivery.Metadata.Actor.Should().Be("operator");
    }

    private Task<(int Code, string Output)> OperatorAsync(params string[] args) => OperatorCli.RunAsync(api.Database.ConnectionString, args);

    [Fact]
    public async Task An_attempt_whose_worker_died_is_taken_up_again_with_the_same_idempotency_key()
    {
        var (message, delivery) = await LeaveAttemptInFlightAsync("Orphan", "@orphan_user");

        await UntilAsync(message, "delivery_succeeded");

        (await TypesAsync(message)).Should().Equal(
            "message_scheduled", "delivery_attempted", "delivery_attempt_failed", "delivery_attempted", "delivery_succeeded");
        var lost = JsonDocument.Parse((await api.StreamAsync($"message-{message}"))[2].Data).RootElement;
        lost.GetProperty("error").GetString().Should().Contain("worker lost");
        (await api.Emulator.ReceivedAsync("telegram")).Where(r => r.IdempotencyKey == delivery.ToString()).Should().ContainSingle();
    }

    [Fact]
    public async Task An_attempt_lost_whose_send_the_messenger_had_accepted_is_recorded_delivered_at_its_time_out_without_a_second_send()
    {
        // A node that stopped as its send ended: the messenger's acceptance recorded, the outcome
        // never told to the saga (lost with the in-memory bus).
        var (message, delivery) = await LeaveAttemptInFlightAsync("Accepted", "@accepted_user", RecordAccepted("tg-4242"));

        await UntilAsync(message, "delivery_succeeded");

        (await TypesAsync(message)).Should().Equal("message_scheduled", "delivery_attempted", "delivery_succeeded");
        var succeeded = JsonDocument.Parse((await api.StreamAsync($"message-{message}"))[2].Data).RootElement;
        succeeded.GetProperty("providerMessageId").GetString().Should().Be("tg-4242", "the outcome is the one the messenger gave");
        (await api.Emulator.ReceivedAsync("telegram")).Should().NotContain(r => r.IdempotencyKey == delivery.ToString(), "the message went out once, before");
    }

    [Fact]
    public async Task A_last_attempt_lost_whose_send_the_messenger_had_accepted_is_recorded_delivered_not_failed()
    {
        // Attempts run out with this one (Deliveries:MaxAttempts is 3 here): counted lost, it would fail.
        var (message, delivery) = await LeaveAttemptInFlightAsync("Last", "@last_user", RecordAccepted("tg-4444"), attempts: 3);

        await Eventually.HoldsAsync(async () => (await TypesAsync(message)).Any(t => t is "delivery_succeeded" or "delivery_failed"), "the delivery to end");

        (await TypesAsync(message)).Should().EndWith(["delivery_attempted", "delivery_attempt_failed", "delivery_attempted", "delivery_succeeded"]);
        (await api.Emulator.ReceivedAsync("telegram")).Should().NotContain(r => r.IdempotencyKey == delivery.ToString());
    }

    /// <summary>The messenger's acceptance of the delivery recorded, as the sender records it the moment the messenger answers.</summary>
    private static Func<EventStoreNode, Guid, Task> RecordAccepted(string providerMessageId) => (node, delivery) =>
        new EventSourced.Infrastructure.Deliveries.DeliverySends(node.DataSource, node.Options).RecordAsync([(delivery, providerMessageId)], CancellationToken.None);

    [Fact]
    public async Task A_failed_delivery_whose_last_send_the_messenger_had_accepted_is_recorded_delivered_when_redelivered_without_a_second_send()
    {
        // The last attempt's outcome was lost and counted as a failure at its time-out, though the
        // messenger had accepted the send; the user then takes it back from the failed queue.
        var (message, delivery) = await LeaveAttemptInFlightAsync("Redeliver", "@redeliver_user", RecordAccepted("tg-4343"),
            then: (message, delivery, at) => new EventSourced.Domain.Messages.DeliveryFailed(message, delivery, 1, "attempt lost: the worker did not answer in time", false, at));
        await FailedAsync(delivery);

        var redelivered = await (await _alice.PostAsJsonAsync("/api/deliveries/failed/redeliver", new { deliveryIds = new[] { delivery } })).JsonAsync(HttpStatusCode.OK);
        redelivered.GetProperty("done").EnumerateArray().Select(d => d.GetGuid()).Should().Equal(delivery);
        await UntilAsync(message, "delivery_succeeded");

        (await TypesAsync(message)).Should().Equal(
            "message_scheduled", "delivery_attempted", "delivery_failed", "delivery_redelivery_requested", "delivery_attempted", "delivery_succeeded");
        var succeeded = JsonDocument.Parse((await api.StreamAsync($"message-{message}"))[5].Data).RootElement;
        succeeded.GetProperty("providerMessageId").GetString().Should().Be("tg-4343", "the outcome is the one the messenger gave");
        (await api.Emulator.ReceivedAsync("telegram")).Should().NotContain(r => r.IdempotencyKey == delivery.ToString(), "the message went out once, before");
    }

    /// <summary>
    /// What a node leaves that stopped between starting an attempt and recording its outcome: a
    /// message to a new contact on Telegram, due long ago, its delivery's attempt in flight since
    /// then (the last of <paramref name="attempts"/>, those before failing at once), and whatever
    /// <paramref name="alongside"/> leaves with it; or that attempt ended as <paramref name="then"/> says.
    /// </summary>
    private async Task<(Guid Message, Guid Delivery)> LeaveAttemptInFlightAsync(
        string text, string telegram, Func<EventStoreNode, Guid, Task>? alongside = null, Func<Guid, Guid, DateTimeOffset, object>? then = null, int attempts = 1)
    {
        var name = $"{text} {Guid.NewGuid():N}"[..16];
        await (await _alice.PostAsJsonAsync("/api/contacts", new { name, telegram })).JsonAsync(HttpStatusCode.Created);
        var message = Guid.CreateVersion7();
        var delivery = Guid.CreateVersion7();
        var longAgo = DateTimeOffset.UtcNow.AddMinutes(-10);
        var registry = EventSourced.Application.EventStore.EventCatalog.Create();
        await using var node = await EventStoreNode.StartAsync(api.Database.ConnectionString);
        if (alongside is not null)
        {
            await alongside(node, delivery);
        }

        object[] inFlight =
        [
            new EventSourced.Domain.Messages.MessageScheduled(message, "alice", text, longAgo,
                [new EventSourced.Domain.Messages.PlannedDelivery(delivery, Guid.NewGuid(), name, EventSourced.Domain.Messages.Channel.Telegram, telegram)], "alice", longAgo),
            .. Enumerable.Range(1, attempts - 1).SelectMany(n => new object[]
            {
                new EventSourced.Domain.Messages.DeliveryAttempted(message, delivery, n, longAgo),
                new EventSourced.Domain.Messages.DeliveryAttemptFailed(message, delivery, n, "503 Service Unavailable", longAgo, longAgo),
            }),
            new EventSourced.Domain.Messages.DeliveryAttempted(message, delivery, attempts, longAgo),
            .. then is null ? Array.Empty<object>() : [then(message, delivery, longAgo.AddMinutes(2))],
        ];
        await node.Store.AppendAsync($"message-{message}", EventSourced.Application.EventStore.ExpectedVersion.NoStream,
            inFlight.Select(e => registry.ToEventData(e, Guid.NewGuid(), EventSourced.Application.EventStore.EventMetadata.Empty)).ToList());
        return (message, delivery);
    }

    [Fact]
    public async Task A_node_that_stops_mid_send_leaves_the_outcome_to_the_next_node_and_the_message_goes_out_once()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var slow = await EmulatorServer.StartAsync(o => o.Telegram.LatencyMilliseconds = 1500);
        Guid message;
        await using (var node = api.Over(database, slow))
        {
            var client = node.ClientFor("alice");
            await (await client.PostAsJsonAsync("/api/contacts", new { name = "Slow", telegram = "@slow_user" })).JsonAsync(HttpStatusCode.Created);
            message = (await (await client.PostAsJsonAsync("/api/messages", new { text = "Slowly", contactNames = new[] { "Slow" } }))
                .JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
            await Eventually.HoldsAsync(async () => (await node.StreamAsync($"message-{message}")).Any(e => e.Type == "delivery_attempted"), "the send to start");
        }

        // The node stopped with the send in flight. The next one records an outcome for it (from the
        // durable queue, or once the attempt times out and is retried with the same idempotency key).
        await using var next = api.Over(database, slow);
        _ = next.ClientFor("alice");
        await Eventually.HoldsAsync(async () => (await next.StreamAsync($"message-{message}")).Any(e => e.Type == "delivery_succeeded"), "the outcome to be recorded");
        (await slow.ReceivedAsync("telegram")).Where(r => r.Recipient == "@slow_user" && r.Status == 200).Should().ContainSingle();
    }

    [Fact]
    public async Task A_retry_another_node_recorded_is_taken_up_by_a_node_that_remembers_the_attempt_as_in_flight()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var slow = await EmulatorServer.StartAsync(o => o.Telegram.LatencyMilliseconds = 3000);
        await using var node = api.Over(database, slow);
        var client = node.ClientFor("alice");
        await (await client.PostAsJsonAsync("/api/contacts", new { name = "Busy", telegram = "@busy_user" })).JsonAsync(HttpStatusCode.Created);
        var message = (await (await client.PostAsJsonAsync("/api/messages", new { text = "Twice?", contactNames = new[] { "Busy" } }))
            .JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        await Eventually.HoldsAsync(async () => (await node.StreamAsync($"message-{message}")).Any(e => e.Type == "delivery_attempted"), "the send to start");

        // Another node decides the attempt lost and due again now; this node still remembers it as sending.
        var delivery = JsonDocument.Parse((await node.StreamAsync($"message-{message}"))[0].Data).RootElement.GetProperty("deliveries")[0].GetProperty("deliveryId").GetGuid();
        await using (var elsewhere = await EventStoreNode.StartAsync(database.ConnectionString))
        {
            var registry = EventSourced.Application.EventStore.EventCatalog.Create();
            var now = DateTimeOffset.UtcNow;
            var lost = new EventSourced.Domain.Messages.DeliveryAttemptFailed(message, delivery, 1, "attempt outcome unknown (worker lost)", now, now);
            await elsewhere.Store.AppendAsync($"message-{message}", EventSourced.Application.EventStore.ExpectedVersion.Exactly(1),
                [registry.ToEventData(lost, Guid.NewGuid(), EventSourced.Application.EventStore.EventMetadata.Empty)]);
        }

        // Ignoring the due retry on its memory, the node would not look again before Deliveries:RedispatchAfter (30 s).
        await Eventually.HoldsAsync(
            async () => (await node.StreamAsync($"message-{message}")).Count(e => e.Type == "delivery_attempted") == 2, "the retry to be attempted", Wait.Scaled(TimeSpan.FromSeconds(15)));
        await Eventually.HoldsAsync(async () => (await node.StreamAsync($"message-{message}")).Any(e => e.Type == "delivery_succeeded"), "the delivery to succeed");
    }

    [Fact]
    public async Task An_unknown_chat_fails_at_once_without_retries()
    {
        var (message, _) = await ScheduleAsync(telegram: "@unknown_chat_42");

        await UntilAsync(message, "delivery_failed");

        (await TypesAsync(message)).Should().Equal("message_scheduled", "delivery_attempted", "delivery_failed");
        var failed = (await api.StreamAsync($"message-{message}"))[^1];
        JsonDocument.Parse(failed.Data).RootElement.GetProperty("permanent").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task A_delivery_refused_for_a_mistyped_id_goes_to_the_corrected_one_when_redelivered()
    {
        var name = $"Typo {Guid.NewGuid():N}"[..16];
        var contact = (await (await _alice.PostAsJsonAsync("/api/contacts", new { name, telegram = "@unknown_typo" })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var (message, deliveries) = await SendToAsync([name]);
        await UntilAsync(message, "delivery_failed");

        (await _alice.PatchAsJsonAsync($"/api/contacts/{contact}", new { telegram = "@fixed_typo" })).StatusCode.Should().Be(HttpStatusCode.OK);
        await UntilAsync(message, "delivery_readdressed");
        await Eventually.HoldsAsync(async () => (await FailedAsync(deliveries[0])).GetProperty("address").GetString() == "@fixed_typo", "the failed queue to show the corrected id");
        (await (await _alice.PostAsJsonAsync("/api/deliveries/failed/redeliver", new { deliveryIds = deliveries })).JsonAsync(HttpStatusCode.OK))
            .GetProperty("done").EnumerateArray().Select(d => d.GetGuid()).Should().Equal(deliveries);
        await UntilAsync(message, "delivery_succeeded");

        (await api.Emulator.ReceivedAsync("telegram")).Where(r => r.IdempotencyKey == deliveries[0].ToString()).Select(r => (r.Recipient, r.Status))
            .Should().Equal(("@unknown_typo", 400), ("@fixed_typo", 200));
    }

    [Fact]
    public async Task A_message_set_for_later_goes_out_over_a_messenger_its_contact_gained_meanwhile()
    {
        var name = $"Gained {Guid.NewGuid():N}"[..16];
        var contact = (await (await _alice.PostAsJsonAsync("/api/contacts", new { name, telegram = "@gained_user" })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        // Due soon, on the real clock: a second node running later would share the broker's queues
        // with this fixture's node, which takes half of what is handed over and finds it not due.
        var message = (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Later", contactNames = new[] { name }, notBefore = DateTimeOffset.UtcNow.AddSeconds(30) }))
            .JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        (await _alice.PatchAsJsonAsync($"/api/contacts/{contact}", new { whatsApp = "+4915100000042" })).StatusCode.Should().Be(HttpStatusCode.OK);
        await UntilAsync(message, "delivery_planned");
        var planned = JsonDocument.Parse((await api.StreamAsync($"message-{message}")).Single(e => e.Type == "delivery_planned").Data).RootElement.GetProperty("deliveryId").GetString();

        await Eventually.HoldsAsync(async () => (await TypesAsync(message)).Count(t => t == "delivery_succeeded") == 2, "both deliveries to go out");

        (await api.Emulator.ReceivedAsync("whatsapp")).Where(r => r.IdempotencyKey == planned).Select(r => (r.Recipient, r.Status))
            .Should().EndWith(("+4915100000042", 200));
    }

    [Fact]
    public async Task Redelivering_nothing_named_or_someone_elses_delivery_changes_nothing()
    {
        // On a fresh store the failed queue answers 503 until its read model exists.
        await Eventually.HoldsAsync(async () => (await _alice.GetAsync("/api/deliveries/failed")).IsSuccessStatusCode, "the messages read model");
        await (await _alice.PostAsJsonAsync("/api/deliveries/failed/redeliver", new { })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        var stranger = Guid.NewGuid();

        var response = await (await api.ClientFor("bob").PostAsJsonAsync("/api/deliveries/failed/redeliver", new { deliveryIds = new[] { stranger } })).JsonAsync(HttpStatusCode.OK);

        response.GetProperty("done").GetArrayLength().Should().Be(0);
        response.GetProperty("notFailed").EnumerateArray().Select(d => d.GetGuid()).Should().Equal(stranger);
    }

    [Fact]
    public async Task A_broadcast_larger_than_one_saga_step_goes_out_once_to_every_recipient_while_one_is_retried()
    {
        // More deliveries than one saga step takes, so several steps and their outcomes write the
        // message's stream, with a WhatsApp delivery failing twice in between.
        var tag = $"{Guid.NewGuid():N}"[..8];
        var names = new List<string>();
        for (var i = 0; i < BusDeliveryDispatcher.MaxPerStep + 20; i++)
        {
            names.Add($"Crowd {tag} {i}");
            await (await _alice.PostAsJsonAsync("/api/contacts", new { name = names[^1], telegram = $"@crowd_{tag}_{i}" })).JsonAsync(HttpStatusCode.Created);
        }

        names.Add($"Crowd {tag} on WhatsApp");
        await (await _alice.PostAsJsonAsync("/api/contacts", new { name = names[^1], whatsApp = "+4915112340000" })).JsonAsync(HttpStatusCode.Created);
        var (message, deliveries) = await SendToAsync(names);

        await Eventually.HoldsAsync(async () => (await TypesAsync(message)).Count(t => t == "delivery_succeeded") == deliveries.Length, "every delivery to succeed");

        var events = (await api.StreamAsync($"message-{message}")).Skip(1).Select(e => (e.Type, Delivery: JsonDocument.Parse(e.Data).RootElement.GetProperty("deliveryId").GetGuid())).ToList();
        events.Where(e => e.Type == "delivery_succeeded").Select(e => e.Delivery).Should().BeEquivalentTo(deliveries);
        events.Count(e => e.Type == "delivery_attempted").Should().Be(deliveries.Length + 2, "each is attempted once, and the WhatsApp one twice more");
        var sent = (await api.Emulator.ReceivedAsync("telegram")).Concat(await api.Emulator.ReceivedAsync("whatsapp"))
            .Where(r => r.Status == 200 && Guid.TryParse(r.IdempotencyKey, out var key) && deliveries.Contains(key));
        sent.Select(r => Guid.Parse(r.IdempotencyKey!)).Should().BeEquivalentTo(deliveries, "each is delivered exactly once");
    }

    [Fact]
    public async Task A_message_naming_each_recipient_reaches_each_with_their_own_name_and_is_kept_as_written()
    {
        var u = $"{Guid.NewGuid():N}"[..8];
        var (anna, boris) = ($"Anna {u}", $"Boris {u}");
        await (await _alice.PostAsJsonAsync("/api/contacts", new { name = anna, telegram = $"@anna_{u}" })).JsonAsync(HttpStatusCode.Created);
        await (await _alice.PostAsJsonAsync("/api/contacts", new { name = boris, telegram = $"@boris_{u}" })).JsonAsync(HttpStatusCode.Created);

        var id = (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Hello, {name}! Doors at six.", contactNames = new[] { anna, boris } }))
            .JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();

        await Eventually.HoldsAsync(async () => (await TypesAsync(id)).Count(t => t == "delivery_succeeded") == 2, $"both deliveries of message-{id} to succeed");
        var deliveries = JsonDocument.Parse((await api.StreamAsync($"message-{id}"))[0].Data).RootElement.GetProperty("deliveries").EnumerateArray()
            .ToDictionary(d => d.GetProperty("deliveryId").GetString()!, d => d.GetProperty("contactName").GetString());
        var received = (await api.Emulator.ReceivedAsync("telegram")).Where(r => r.Status == 200 && deliveries.ContainsKey(r.IdempotencyKey!)).ToList();
        received.Select(r => (deliveries[r.IdempotencyKey!], r.Text)).Should().BeEquivalentTo([(anna, $"Hello, {anna}! Doors at six."), (boris, $"Hello, {boris}! Doors at six.")]);
        var read = await (await _alice.GetAsync($"/api/messages/{id}")).JsonAsync(HttpStatusCode.OK);
        read.GetProperty("message").GetProperty("text").GetString().Should().Be("Hello, {name}! Doors at six.", "the message is kept as its owner wrote it");
    }

    [Fact]
    public async Task A_message_for_tomorrow_moved_later_waits_and_moved_to_now_goes_out_once_with_its_new_text()
    {
        var name = $"Edited {Guid.NewGuid():N}"[..16];
        await (await _alice.PostAsJsonAsync("/api/contacts", new { name, telegram = "@edited_user" })).JsonAsync(HttpStatusCode.Created);
        var id = (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Doors at six", contactNames = new[] { name }, notBefore = DateTimeOffset.UtcNow.AddDays(1) }))
            .JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var later = DateTimeOffset.UtcNow.AddDays(2);

        await (await _alice.PatchAsJsonAsync($"/api/messages/{id}", new { notBefore = later })).JsonAsync(HttpStatusCode.OK);

        // What the scheduler reads moved with it.
        await using var database = Npgsql.NpgsqlDataSource.Create(api.Database.ConnectionString);
        await Eventually.HoldsAsync(async () =>
        {
            await using var due = database.CreateCommand($"SELECT min(due_at) FROM rm.delivery_schedule WHERE message_id = '{id}'");
            return await due.ExecuteScalarAsync() is DateTime at && Math.Abs((new DateTimeOffset(at, TimeSpan.Zero) - later).TotalMilliseconds) < 1;
        }, "the schedule to show the new time");
        (await TypesAsync(id)).Should().Equal("message_scheduled", "message_edited");

        var edited = await (await _alice.PatchAsJsonAsync($"/api/messages/{id}", new { text = "Doors at seven", notBefore = (DateTimeOffset?)null })).JsonAsync(HttpStatusCode.OK);
        await UntilAsync(id, "delivery_succeeded");

        var delivery = JsonDocument.Parse((await api.StreamAsync($"message-{id}"))[0].Data).RootElement.GetProperty("deliveries")[0].GetProperty("deliveryId").GetString();
        (await api.Emulator.ReceivedAsync("telegram")).Where(r => r.IdempotencyKey == delivery).Select(r => r.Text).Should().Equal("Doors at seven");
        var read = await (await _alice.GetAsync($"/api/messages/{id}?minPosition={edited.GetProperty("position").GetInt64()}")).JsonAsync(HttpStatusCode.OK);
        read.GetProperty("message").GetProperty("text").GetString().Should().Be("Doors at seven");
        await (await _alice.PatchAsJsonAsync($"/api/messages/{id}", new { text = "Too late" })).ShouldBeProblemAsync(HttpStatusCode.Conflict, "urn:eventsourced:problem:message_not_editable");
    }

    [Fact]
    public async Task Contacts_added_to_a_message_for_tomorrow_get_it_when_it_goes_and_one_taken_off_does_not()
    {
        var u = Guid.NewGuid().ToString("N")[..8];
        var (anna, boris, vera) = ($"Anna {u}", $"Boris {u}", $"Vera {u}");
        foreach (var name in new[] { anna, boris, vera })
        {
            await (await _alice.PostAsJsonAsync("/api/contacts", new { name, telegram = $"@{name.Replace(' ', '_')}" })).JsonAsync(HttpStatusCode.Created);
        }

        var id = (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Doors at six", contactNames = new[] { anna }, notBefore = DateTimeOffset.UtcNow.AddDays(1) }))
            .JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();

        await (await _alice.PostAsJsonAsync($"/api/messages/{id}/recipients", new { contactNames = new[] { boris, vera } })).JsonAsync(HttpStatusCode.OK);
        await (await _alice.PostAsJsonAsync($"/api/messages/{id}/recipients/remove", new { contactNames = new[] { anna } })).JsonAsync(HttpStatusCode.OK);
        await (await _alice.PatchAsJsonAsync($"/api/messages/{id}", new { notBefore = (DateTimeOffset?)null })).JsonAsync(HttpStatusCode.OK);

        // Every delivery not cancelled (one scheduled, those planned) ends delivered: then whoever got it has got it.
        await Eventually.HoldsAsync(async () => await TypesAsync(id) is var types
            && types.Count(t => t == "delivery_succeeded") == 1 + types.Count(t => t == "delivery_planned") - types.Count(t => t == "delivery_cancelled"),
            $"every delivery not cancelled to succeed in message-{id}");
        var keys = (await api.StreamAsync($"message-{id}")).Where(e => e.Type == "delivery_planned" || e.Type == "message_scheduled")
            .SelectMany(e => JsonDocument.Parse(e.Data).RootElement is var data && data.TryGetProperty("deliveries", out var all) ? all.EnumerateArray().ToList() : [data])
            .Select(d => d.GetProperty("deliveryId").GetString()).ToHashSet();
        (await api.Emulator.ReceivedAsync("telegram")).Where(r => keys.Contains(r.IdempotencyKey)).Select(r => r.Recipient)
            .Should().BeEquivalentTo([$"@Boris_{u}", $"@Vera_{u}"], "the contact taken off gets nothing, each added one gets it once");
        (await TypesAsync(id)).Should().NotContain("delivery_failed");
    }

    private async Task<(Guid Message, Guid[] Deliveries)> ScheduleAsync(string? telegram = null, string? whatsApp = null, string? viber = null)
    {
        var name = $"Recipient {Guid.NewGuid():N}"[..20];
        await (await _alice.PostAsJsonAsync("/api/contacts", new { name, telegram, whatsApp, viber })).JsonAsync(HttpStatusCode.Created);
        return await SendToAsync([name]);
    }

    private async Task<(Guid Message, Guid[] Deliveries)> SendToAsync(IReadOnlyList<string> contactNames)
    {
        var id = (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Doors open at 18:00", contactNames }))
            .JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var scheduled = JsonDocument.Parse((await api.StreamAsync($"message-{id}"))[0].Data).RootElement;
        return (id, scheduled.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("deliveryId").GetGuid()).ToArray());
    }

    private async Task UntilAsync(Guid message, string type)
    {
        try
        {
            await Eventually.HoldsAsync(async () => (await TypesAsync(message)).Contains(type), $"{type} in message-{message}");
        }
        catch (TimeoutException e)
        {
            // What a stalled delivery needs to be understood: how far it got, and whether the schedule it waits on moved.
            var projections = await (await api.ClientFor("ops").GetAsync("/api/admin/projections")).Content.ReadAsStringAsync();
            var health = await (await api.ClientFor("ops").GetAsync("/health/ready")).Content.ReadAsStringAsync();
            throw new TimeoutException($"{e.Message} Stream: {string.Join(", ", await TypesAsync(message))}. Projections: {projections} Readiness: {health}", e);
        }
    }

    private static Task ReadyAsync(HttpClient client) =>
        Eventually.HoldsAsync(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "the node to be ready");

    private async Task<List<string>> TypesAsync(Guid message) => [.. (await api.StreamAsync($"message-{message}")).Select(e => e.Type)];

    private async Task<JsonElement> FailedAsync(Guid delivery)
    {
        JsonElement row = default;
        await Eventually.HoldsAsync(async () =>
        {
            var list = await (await _alice.GetAsync("/api/deliveries/failed")).JsonAsync(HttpStatusCode.OK);
            row = list.EnumerateArray().FirstOrDefault(f => f.GetProperty("deliveryId").GetGuid() == delivery);
            return row.ValueKind == JsonValueKind.Object;
        }, "the failed queue to list the delivery");
        return row;
    }
}

/// <summary>The delivery saga on the in-memory bus (the default run's).</summary>
public sealed class InMemoryDeliveryTests(DeliveryApi api) : DeliveryTests<DeliveryApi>(api);

/// <summary>The delivery saga over a real RabbitMQ.</summary>
public sealed class RabbitMqDeliveryTests(RabbitMqDeliveryApi api) : DeliveryTests<RabbitMqDeliveryApi>(api);
