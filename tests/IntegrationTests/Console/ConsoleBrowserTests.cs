using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Messages;
using EventSourced.Infrastructure.Tickets.Kafka;
using EventSourced.IntegrationTests.Support;
using EventSourced.IntegrationTests.Tickets;
using FluentAssertions;
using Microsoft.Playwright;
using Npgsql;

namespace EventSourced.IntegrationTests.Console;

/// <summary>The operator console in headless Chromium against the API as a real process: what an operator clicks, end to end.</summary>
public sealed class ConsoleBrowserTests(BrowserSite site) : IClassFixture<BrowserSite>
{
    [Fact]
    public async Task A_wrong_key_is_refused_with_the_problem_shown_and_the_operators_key_opens_the_projections()
    {
        var page = await site.Browser.NewPageAsync(site.Api.BaseAddress);
        await page.GotoAsync("/console");

        await page.GetByLabel("Operator API key").FillAsync(ApiProcess.KeyOf("alice"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Forbidden");
        await Assertions.Expect(page.Locator("#app")).ToBeHiddenAsync();

        await page.GetByLabel("Operator API key").FillAsync(ApiProcess.KeyOf("ops"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Assertions.Expect(page.Locator("tr[data-projection='contacts'] td").Nth(3)).ToHaveTextAsync("serving");
        await Assertions.Expect(page.Locator("tr[data-reactor='chat-handover'] td").Nth(2)).ToHaveTextAsync("0");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToBeHiddenAsync();
    }

    [Fact]
    public async Task A_reactor_failing_on_an_event_shows_which_since_when_and_why()
    {
        // The failure as a reactor records it (ReactorFailureTests drive a real one into it); this
        // class opens no chat, so the running hand-over has nothing to act on and clear it with.
        await using (var connection = new NpgsqlConnection(site.Database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var failing = new NpgsqlCommand("""
                INSERT INTO proj.reactor_checkpoints (name, position, failing_position, failure, failing_since, attempts)
                VALUES ('chat-handover', 0, 42, 'TimeoutException: the managers read model is behind', '2026-12-05T01:00:00Z', 3)
                ON CONFLICT (name) DO UPDATE SET failing_position = 42, failure = excluded.failure, failing_since = excluded.failing_since, attempts = 3
                """, connection);
            await failing.ExecuteNonQueryAsync();
        }

        var page = await site.SignedInAsync();

        await Assertions.Expect(page.Locator("tr[data-reactor='chat-handover'] td").Nth(4))
            .ToHaveTextAsync("at 42 since 2026-12-05T01:00:00Z, 3 tries: TimeoutException: the managers read model is behind");
        await Assertions.Expect(page.Locator("tr[data-reactor='deploy-notifier'] td").Nth(4)).ToHaveTextAsync("");
    }

    [Fact]
    public async Task A_rebuild_shows_its_progress_until_the_new_generation_is_swapped_in()
    {
        var alice = site.Api.ClientFor("alice");
        for (var i = 0; i < 20; i++)
        {
            (await alice.PostAsJsonAsync("/api/contacts", new { name = $"Rebuilt {i} {Guid.NewGuid():N}"[..20], viber = $"r{i}" })).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        var page = await site.SignedInAsync();
        var contacts = page.Locator("tr[data-projection='contacts']");
        var before = int.Parse(await contacts.Locator("td").Nth(2).TextContentAsync() ?? "0", System.Globalization.CultureInfo.InvariantCulture);

        await contacts.GetByRole(AriaRole.Button, new() { Name = "Rebuild" }).ClickAsync();

        await Assertions.Expect(page.Locator("#rebuild-label")).ToHaveTextAsync($"contacts: generation {before + 1} swapped in");
        await Assertions.Expect(page.Locator("#rebuild-progress")).ToHaveAttributeAsync("value", "100");
        await Assertions.Expect(contacts.Locator("td").Nth(2)).ToHaveTextAsync($"{before + 1}");
        await Screenshots.TakeAsync(page, "console-projections");
    }

    [Fact]
    public async Task A_projection_stopped_by_a_poison_event_goes_on_after_a_reset_and_its_dead_letter_is_replayed_or_discarded_from_the_console()
    {
        // A show without its show: the shows projection cannot apply it, and (policy Stop) stops at it.
        var stream = $"ticketevent-poison-{Guid.NewGuid():N}";
        await using (var node = await EventStoreNode.StartAsync(site.Database.ConnectionString))
        {
            await node.Store.AppendAsync(stream, ExpectedVersion.Any, [new EventData(Guid.NewGuid(), "show_synced", "{}", EventMetadata.Empty)]);
        }

        var ops = site.Api.ClientFor("ops");
        await Eventually.HoldsAsync(async () => (await ops.GetFromJsonAsync<JsonElement>("/api/admin/projections")).EnumerateArray()
            .Any(p => p.GetProperty("name").GetString() == "shows" && p.GetProperty("stopped").GetBoolean()), "the shows projection to stop at the poison event");
        var page = await site.SignedInAsync();
        var shows = page.Locator("tr[data-projection='shows']");
        await Assertions.Expect(shows.Locator("td").Nth(3)).ToHaveTextAsync("stopped");
        await Assertions.Expect(shows.Locator("td").Nth(7)).ToHaveTextAsync("1");

        await shows.GetByRole(AriaRole.Button, new() { Name = "Reset" }).ClickAsync();

        await Assertions.Expect(shows.Locator("td").Nth(3)).ToHaveTextAsync("serving");
        await Assertions.Expect(shows.GetByRole(AriaRole.Button, new() { Name = "Reset" })).ToHaveCountAsync(0);

        // The event stays parked: shown with its stream; replayed, the API's reason is shown; discarded, it is gone.
        await shows.GetByRole(AriaRole.Button, new() { Name = "Dead letters" }).ClickAsync();
        var parked = page.Locator("#projection-dead-letter-rows tr");
        await Assertions.Expect(parked).ToHaveCountAsync(1);
        await Assertions.Expect(parked.Locator("td").Nth(4)).ToHaveTextAsync(stream);
        await parked.GetByRole(AriaRole.Button, new() { Name = "Replay" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The stream could not be projected again; the dead letter stays");
        await Assertions.Expect(parked).ToHaveCountAsync(1);
        await page.GetByRole(AriaRole.Button, new() { Name = "Replay all" }).ClickAsync();
        await Assertions.Expect(page.Locator("#projection-replay-all-outcome")).ToHaveTextAsync("Replayed 0 from 0 streams projected again; 1 still failing.");
        await Assertions.Expect(parked).ToHaveCountAsync(1);
        await Screenshots.TakeAsync(page, "console-projection-dead-letters");

        await parked.GetByRole(AriaRole.Button, new() { Name = "Discard" }).ClickAsync();
        await Assertions.Expect(page.Locator("#projection-dead-letters-empty")).ToBeVisibleAsync();
        await Assertions.Expect(shows.Locator("td").Nth(7)).ToHaveTextAsync("0");
    }

    [Fact]
    public async Task A_contact_forgotten_from_the_console_reads_as_erased_and_forgetting_it_again_forgets_nothing()
    {
        var alice = site.Api.ClientFor("alice");
        var added = await alice.PostAsJsonAsync("/api/contacts", new { name = "Console Forgetme", viber = $"cf-{Guid.NewGuid():N}"[..12] });
        var contactId = (await added.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var page = await site.SignedInAsync();
        // The console asks before it forgets: the operator says yes.
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Personal data" }).ClickAsync();
        var forget = page.GetByRole(AriaRole.Button, new() { Name = "Forget", Exact = true });

        // A buyer named by nothing: the API's problem is shown.
        await page.Locator("#forget-reason").FillAsync("request 44");
        await forget.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("A buyer is named by email, phone or both.");

        await page.Locator("#forget-kind").SelectOptionAsync("contact");
        await page.Locator("#forget-owner").FillAsync("alice");
        await page.Locator("#forget-contact").FillAsync(contactId.ToString());
        await forget.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Forgotten (recorded at position");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToBeHiddenAsync();
        await Screenshots.TakeAsync(page, "console-personal-data");
        var asOf = await (await alice.GetAsync($"/api/contacts/{contactId}/history?asOf=0")).JsonAsync(HttpStatusCode.OK);
        asOf.GetProperty("name").GetString().Should().Be("[erased]");

        await forget.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Nothing left to forget");
    }

    [Fact]
    public async Task A_failed_delivery_redelivered_from_the_console_leaves_the_list()
    {
        var (messageId, deliveryId) = await FailedDeliveryAsync("Doors open at 18:00");
        // Nothing sends here: a message due now waits, and is listed among the longest waiting.
        var waiting = await ScheduledNowAsync();
        var page = await site.SignedInAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Deliveries", Exact = true }).ClickAsync();
        var row = page.Locator($"tr[data-delivery='{deliveryId}']");
        await Assertions.Expect(row).ToContainTextAsync("Doors open at 18:00");
        await Assertions.Expect(row).ToContainTextAsync("alice");
        // Above it, what waits to go out, by messenger: the failed Viber delivery among them.
        var backlog = await (await site.Api.ClientFor("ops").GetAsync("/api/admin/deliveries/backlog")).JsonAsync(HttpStatusCode.OK);
        var viberFailed = backlog.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("channel").GetString() == "viber").GetProperty("failed").GetInt32();
        viberFailed.Should().BeGreaterThan(0);
        await Assertions.Expect(page.Locator("#backlog-rows tr[data-channel='viber'] td:nth-child(8)")).ToHaveTextAsync(viberFailed.ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator($"#overdue-rows tr[data-overdue='{waiting}']")).ToContainTextAsync("not taken up");
        await Screenshots.TakeAsync(page, "console-failed-deliveries");

        await row.GetByRole(AriaRole.Button, new() { Name = "Redeliver" }).ClickAsync();

        await Assertions.Expect(row).ToHaveCountAsync(0);
        var history = await (await site.Api.ClientFor("alice").GetAsync($"/api/messages/{messageId}")).Content.ReadFromJsonAsync<JsonElement>();
        history.GetProperty("deliveries")[0].GetProperty("status").GetString().Should().NotBe("failed");
    }

    [Fact]
    public async Task A_long_failed_queue_is_shown_a_page_at_a_time_and_more_shows_the_page_after_the_last_row()
    {
        var alice = site.Api.ClientFor("alice");
        var ops = site.Api.ClientFor("ops");
        var u = $"{Guid.NewGuid():N}"[..6];
        var contacts = Enumerable.Range(0, 101).Select(i => new { name = $"Queue {i:000} {u}", viber = $"queue-{i}-{u}" }).ToArray();
        (await alice.PostAsJsonAsync("/api/contacts/import", new { contacts })).StatusCode.Should().Be(HttpStatusCode.OK);
        // Due days ahead, so that it never stands among the overdue ones another test looks for.
        var messageId = (await (await alice.PostAsJsonAsync("/api/messages", new { text = "Long queue", contactNames = contacts.Select(c => c.name), notBefore = DateTimeOffset.UtcNow.AddDays(2) }))
            .JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var deliveries = await DeliveryFailures.DeliveryIdsAsync(site.Database.ConnectionString, messageId);
        // Failed a day ahead, a second apart: after every other failure here, in this order.
        var now = DateTimeOffset.UtcNow;
        var since = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddDays(1);
        var position = await DeliveryFailures.AppendAsync(site.Database.ConnectionString, messageId, [.. deliveries.SelectMany((d, i) => new IMessageEvent[]
        {
            new DeliveryAttempted(messageId, d, 1, since.AddSeconds(i)), new DeliveryFailed(messageId, d, 1, "400 Bad Request", true, since.AddSeconds(i)),
        })]);
        await (await ops.GetAsync($"/api/admin/deliveries/failed?minPosition={position}")).JsonAsync(HttpStatusCode.OK);
        try
        {
            var page = await site.SignedInAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Deliveries", Exact = true }).ClickAsync();
            await page.Locator("#delivery-owner").FillAsync("alice");
            // The field takes the browser's local time, to the minute.
            await page.Locator("#delivery-since").EvaluateAsync(
                "(field, iso) => { const d = new Date(iso); field.value = new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16); }",
                since.ToString("O", CultureInfo.InvariantCulture));
            await page.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
            await Assertions.Expect(page.Locator($"tr[data-delivery='{deliveries[99]}']")).ToContainTextAsync($"Queue 099 {u}");
            await Assertions.Expect(page.Locator("#delivery-rows tr")).ToHaveCountAsync(100);
            await Assertions.Expect(page.Locator($"tr[data-delivery='{deliveries[100]}']")).ToHaveCountAsync(0);

            await page.GetByRole(AriaRole.Button, new() { Name = "More", Exact = true }).ClickAsync();

            await Assertions.Expect(page.Locator($"tr[data-delivery='{deliveries[100]}']")).ToContainTextAsync($"Queue 100 {u}");
            await Assertions.Expect(page.Locator("#delivery-rows tr")).ToHaveCountAsync(101);
            await Assertions.Expect(page.Locator("#delivery-more")).ToBeHiddenAsync();
        }
        finally
        {
            // Left in the queue, they would fill another test's first page.
            await (await ops.PostAsJsonAsync("/api/admin/deliveries/failed/discard", new { owner = "alice", all = true, failedSince = since })).JsonAsync(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task After_an_outage_every_owners_deliveries_failed_on_one_messenger_are_redelivered_from_the_console_once_confirmed()
    {
        // Alice's WhatsApp and Telegram deliveries both failed; the outage was WhatsApp's.
        var alice = site.Api.ClientFor("alice");
        var name = $"Outage {Guid.NewGuid():N}"[..16];
        (await alice.PostAsJsonAsync("/api/contacts", new { name, telegram = "@outage_tg", whatsApp = "+79990002233" })).StatusCode.Should().Be(HttpStatusCode.Created);
        var messageId = (await (await alice.PostAsJsonAsync("/api/messages", new { text = "Outage", contactNames = new[] { name } })).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var deliveries = await DeliveryFailures.DeliveryIdsAsync(site.Database.ConnectionString, messageId);
        var (telegram, whatsApp) = (deliveries[0], deliveries[1]);
        var now = DateTimeOffset.UtcNow;
        var position = await DeliveryFailures.AppendAsync(site.Database.ConnectionString, messageId,
            new DeliveryAttempted(messageId, telegram, 1, now), new DeliveryFailed(messageId, telegram, 1, "502 Bad Gateway", false, now),
            new DeliveryAttempted(messageId, whatsApp, 1, now), new DeliveryFailed(messageId, whatsApp, 1, "502 Bad Gateway", false, now));
        await (await site.Api.ClientFor("ops").GetAsync($"/api/admin/deliveries/failed?minPosition={position}")).JsonAsync(HttpStatusCode.OK);
        var page = await site.SignedInAsync();
        var asked = "";
        page.Dialog += async (_, dialog) =>
        {
            asked = dialog.Message;
            await dialog.AcceptAsync();
        };

        await page.GetByRole(AriaRole.Button, new() { Name = "Deliveries", Exact = true }).ClickAsync();
        await page.Locator("#delivery-channel").SelectOptionAsync("whatsapp");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator($"tr[data-delivery='{whatsApp}']")).ToContainTextAsync("alice");
        await Assertions.Expect(page.Locator($"tr[data-delivery='{telegram}']")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "Redeliver all that match" }).ClickAsync();

        await Assertions.Expect(page.Locator($"tr[data-delivery='{whatsApp}']")).ToHaveCountAsync(0);
        asked.Should().Be("Redeliver every owner's failed deliveries on whatsapp?");
        await page.Locator("#delivery-channel").SelectOptionAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator($"tr[data-delivery='{telegram}']")).ToContainTextAsync("alice");
    }

    [Fact]
    public async Task An_event_is_found_by_its_correlation_id_and_shown_with_its_metadata()
    {
        var correlationId = $"console-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/contacts") { Content = JsonContent.Create(new { name = "Traced", telegram = "@traced" }) };
        request.Headers.Add("X-Correlation-Id", correlationId);
        (await site.Api.ClientFor("alice").SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.Created);
        var page = await site.SignedInAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Audit" }).ClickAsync();
        await page.GetByLabel("Correlation id").FillAsync(correlationId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var found = page.Locator("#audit-rows tr");
        await Assertions.Expect(found).ToHaveCountAsync(1);
        await Assertions.Expect(found).ToContainTextAsync("contact_added");
        await found.ClickAsync();

        await Assertions.Expect(page.Locator("#audit-json")).ToContainTextAsync(correlationId);
        await Assertions.Expect(page.Locator("#audit-json")).ToContainTextAsync("\"actor\": \"alice\"");
        await Screenshots.TakeAsync(page, "console-audit");
    }

    [Fact]
    public async Task A_stream_is_browsed_as_of_a_revision_and_an_order_is_shown_as_it_was_then()
    {
        var ids = SellerRecords.Ids.New();
        await IngestAsync("events", ids.Show, SellerRecords.Show(ids.Show));
        await IngestAsync("orders", ids.Order, SellerRecords.Order(ids));
        var page = await site.SignedInAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Audit" }).ClickAsync();

        await page.GetByLabel("Stream").FillAsync($"ticketevent-{ids.Show}");
        await page.GetByLabel("As of revision or moment").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Browse" }).ClickAsync();
        await Assertions.Expect(page.Locator("#audit-rows tr")).ToHaveCountAsync(1);
        await page.GetByLabel("As of revision or moment").FillAsync("2000-01-01T00:00:00Z");
        await page.GetByRole(AriaRole.Button, new() { Name = "Browse" }).ClickAsync();
        await Assertions.Expect(page.Locator("#audit-rows tr")).ToHaveCountAsync(0);

        await page.GetByLabel("Entity id").FillAsync(ids.Order);
        await page.GetByLabel("Entity as of").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#audit-json")).ToContainTextAsync(ids.Order);
        await page.GetByLabel("Entity as of").FillAsync("not a point");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("asOf");
    }

    [Fact]
    public async Task The_deploy_page_shows_an_applications_timeline_and_current_status_and_the_ingest_page_what_waits()
    {
        var application = $"shop-{Guid.NewGuid():N}"[..13];
        var position = 0L;
        // One more report than the page shows (50): the last three are what the page is read for.
        var earlier = Enumerable.Range(1, 48).Select(n => ("staging", $"2.3.{n}", "deployed", "earlier"));
        var latest = new[] { ("staging", "2.4.0", "deployed", "RASP-42: checkout fix"), ("production", "2.3.9", "deployed", "RASP-42: checkout fix"), ("production", "2.4.0", "deploying", "RASP-42: checkout fix") };
        foreach (var (environment, version, status, comment) in earlier.Concat(latest))
        {
            var report = new { application, environment, version, status, comment, handlers = Array.Empty<string>() };
            position = (await (await site.Api.ClientFor("ci").PostAsJsonAsync("/api/deploys", report)).JsonAsync(HttpStatusCode.Accepted)).GetProperty("position").GetInt64();
        }

        // The page reads the read model once: it must have the reports by then.
        await (await site.Api.ClientFor("ops").GetAsync($"/api/deploys?application={application}&minPosition={position}")).JsonAsync(HttpStatusCode.OK);

        var page = await site.SignedInAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Deploys" }).ClickAsync();
        await page.GetByLabel("Application").FillAsync(application);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#deploy-rows tr")).ToHaveCountAsync(50);
        await Assertions.Expect(page.Locator("#deploy-current tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#deploy-current")).ToContainTextAsync("deploying");
        await Assertions.Expect(page.Locator("#deploy-rows tr").First).ToContainTextAsync("RASP-42");
        await Screenshots.TakeAsync(page, "console-deploys");
        await page.GetByRole(AriaRole.Button, new() { Name = "More" }).ClickAsync();
        await Assertions.Expect(page.Locator("#deploy-rows tr")).ToHaveCountAsync(51);
        await Assertions.Expect(page.Locator("#deploy-rows tr").Last).ToContainTextAsync("2.3.1");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "More" })).ToBeHiddenAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Ticket ingest" }).ClickAsync();

        await Assertions.Expect(page.Locator("#parked")).ToHaveTextAsync("Nothing is parked.");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToBeHiddenAsync();
        await Screenshots.TakeAsync(page, "console-ticket-ingest");
    }

    [Fact]
    public async Task Every_dead_letter_is_replayed_from_the_console_once_confirmed_and_one_still_failing_stays_listed()
    {
        var ids = SellerRecords.Ids.New();
        var headers = new Dictionary<string, string> { ["content-type"] = "application/json", ["schema-version"] = "1.0", ["application-id"] = "ticketland" };
        await using var dataSource = NpgsqlDataSource.Create(site.Database.ConnectionString);
        var letters = new IngestDeadLetters(dataSource);
        await letters.EnsureSchemaAsync(CancellationToken.None);
        var offset = Random.Shared.NextInt64(1, long.MaxValue / 2);
        // As an older build refused them: the first is good now, the second never will be.
        await letters.StoreAsync(new TicketRecord("events", 0, offset, ids.Show, headers, SellerRecords.Show(ids.Show), DateTimeOffset.UtcNow), "an older build's reason", CancellationToken.None);
        await letters.StoreAsync(new TicketRecord("events", 0, offset + 1, "other-key", headers, SellerRecords.Show(ids.Show), DateTimeOffset.UtcNow), "key", CancellationToken.None);
        var stored = (await letters.ListAsync(1000, 0, null, CancellationToken.None)).Where(l => l.Offset >= offset).Select(l => l.Id).ToList();
        var page = await site.SignedInAsync();
        var asked = "";
        page.Dialog += async (_, dialog) =>
        {
            asked = dialog.Message;
            await dialog.AcceptAsync();
        };
        try
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Ticket ingest" }).ClickAsync();
            await Assertions.Expect(page.Locator("#dead-letter-rows tr")).ToHaveCountAsync(2);

            await page.GetByRole(AriaRole.Button, new() { Name = "Replay all dead letters" }).ClickAsync();

            await Assertions.Expect(page.Locator("#replay-all-outcome")).ToHaveTextAsync("Replayed: 1 applied, 1 still failing.");
            await Assertions.Expect(page.Locator("#dead-letter-rows tr")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("#dead-letter-rows tr")).ToContainTextAsync("other-key");
            asked.Should().Be("Replay every dead letter, in the order they came?");
            var audit = await (await site.Api.ClientFor("ops").GetAsync($"/api/audit/streams/ticketevent-{ids.Show}")).JsonAsync(HttpStatusCode.OK);
            audit.GetProperty("events").GetArrayLength().Should().Be(1, "the good one was applied");
        }
        finally
        {
            // Left listed, it would stand in the ingest page's screenshot.
            foreach (var id in stored)
            {
                await letters.RemoveAsync(id, CancellationToken.None);
            }
        }
    }

    private Task IngestAsync(string kind, string key, byte[] body) => SellerRecords.IngestAsync(site.Api.ClientFor("ticketland"), kind, key, body);

    /// <summary>A message of alice's due now, to a Telegram contact; its delivery, once the schedule shows it.</summary>
    private async Task<Guid> ScheduledNowAsync()
    {
        var alice = site.Api.ClientFor("alice");
        var name = $"Waiting {Guid.NewGuid():N}"[..16];
        (await alice.PostAsJsonAsync("/api/contacts", new { name, telegram = "@waiting_user" })).StatusCode.Should().Be(HttpStatusCode.Created);
        var messageId = (await (await alice.PostAsJsonAsync("/api/messages", new { text = "Soon", contactNames = new[] { name } })).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var delivery = (await DeliveryFailures.DeliveryIdsAsync(site.Database.ConnectionString, messageId))[0];
        var ops = site.Api.ClientFor("ops");
        await Eventually.HoldsAsync(
            async () => (await (await ops.GetAsync("/api/admin/deliveries/overdue")).JsonAsync(HttpStatusCode.OK)).EnumerateArray().Any(d => d.GetProperty("deliveryId").GetGuid() == delivery),
            "the schedule to show the message due");
        return delivery;
    }

    /// <summary>A message of alice's whose one delivery gave up, appended as the delivery saga appends it.</summary>
    private async Task<(Guid MessageId, Guid DeliveryId)> FailedDeliveryAsync(string text)
    {
        var alice = site.Api.ClientFor("alice");
        var name = $"Failing {Guid.NewGuid():N}"[..16];
        (await alice.PostAsJsonAsync("/api/contacts", new { name, viber = "failing" })).StatusCode.Should().Be(HttpStatusCode.Created);
        var messageId = (await (await alice.PostAsJsonAsync("/api/messages", new { text, contactNames = new[] { name } })).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
        var (deliveryId, position) = await DeliveryFailures.FailFirstAsync(site.Database.ConnectionString, messageId);
        // The page reads the failed queue once: it must hold this delivery by then.
        await (await site.Api.ClientFor("ops").GetAsync($"/api/admin/deliveries/failed?minPosition={position}")).JsonAsync(HttpStatusCode.OK);
        return (messageId, deliveryId);
    }
}
