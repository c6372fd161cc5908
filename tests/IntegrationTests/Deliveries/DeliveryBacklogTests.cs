using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.Domain.Messages;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace EventSourced.IntegrationTests.Deliveries;

/// <summary>
/// A node that sends nothing, whose backlog reading is frequent and whose attempts count as lost
/// only after an hour: what waits stays where the test put it.
/// </summary>
public sealed class BacklogApi : EmptyStoreApi
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Deliveries:BacklogReadInterval", "00:00:00.100");
        builder.UseSetting("Deliveries:AttemptTimeout", "01:00:00");
    }
}

/// <summary>An operator sees what waits to go out over every owner, by messenger and state, in the API and the gauges.</summary>
public sealed class DeliveryBacklogTests(BacklogApi api) : IClassFixture<BacklogApi>
{
    /// <summary>What the gauges read (not what waits for later, which would cost every waiting delivery's row).</summary>
    private static readonly string[] GaugedStates = ["due", "held", "failed"];

    private readonly HttpClient _alice = api.ClientFor("alice");
    private readonly HttpClient _ops = api.ClientFor("ops");

    [Fact]
    public async Task An_operator_sees_each_messengers_deliveries_by_state_and_since_when_the_oldest_due_one_waits()
    {
        var anna = await AddContactAsync(new { name = "Backlog Anna", telegram = "@b_anna", whatsApp = "+4915100000001" });
        var boris = await AddContactAsync(new { name = "Backlog Boris", viber = "b-boris" });
        var tg = await Task.WhenAll(new[] { "@b_one", "@b_two", "@b_three" }.Select((t, i) => AddContactAsync(new { name = $"Backlog {i}", telegram = t })));
        var dueNow = await ScheduleAsync([anna], null);
        await ScheduleAsync([anna, boris], DateTimeOffset.UtcNow.AddHours(1));

        // Three Telegram deliveries as the saga leaves them: one in flight, one to retry in an hour, one given up.
        var outcomes = await ScheduleAsync(tg, null);
        var d = await DeliveryFailures.DeliveryIdsAsync(api.Database.ConnectionString, outcomes);
        var now = DateTimeOffset.UtcNow;
        await DeliveryFailures.AppendAsync(api.Database.ConnectionString, outcomes,
            new DeliveryAttempted(outcomes, d[0], 1, now),
            new DeliveryAttempted(outcomes, d[1], 1, now), new DeliveryAttemptFailed(outcomes, d[1], 1, "503 Service Unavailable", now.AddHours(1), now),
            new DeliveryAttempted(outcomes, d[2], 1, now), new DeliveryFailed(outcomes, d[2], 1, "400 Bad Request", true, now));

        // Two deploy comments on one ticket, due ten minutes ago: the second waits for the first (ADR 0042).
        var tenMinutesAgo = now.AddMinutes(-10);
        await CommentAsync(tenMinutesAgo);
        await CommentAsync(tenMinutesAgo.AddMinutes(1));

        var expected = new[]
        {
            Row(null, due: 3, held: 1, inFlight: 1, retrying: 1, scheduled: 3, failed: 1),
            Row("telegram", due: 1, held: 0, inFlight: 1, retrying: 1, scheduled: 1, failed: 1),
            Row("tracker", due: 1, held: 1, inFlight: 0, retrying: 0, scheduled: 0, failed: 0),
            Row("viber", due: 0, held: 0, inFlight: 0, retrying: 0, scheduled: 1, failed: 0),
            Row("whatsapp", due: 1, held: 0, inFlight: 0, retrying: 0, scheduled: 1, failed: 0),
        };
        JsonElement backlog = default;
        await Eventually.HoldsAsync(async () =>
        {
            backlog = await (await _ops.GetAsync("/api/admin/deliveries/backlog")).JsonAsync(HttpStatusCode.OK);
            return Counts(backlog).SequenceEqual(expected);
        }, "the backlog to show every delivery where the test left it");

        var annasDue = (await (await _alice.GetAsync($"/api/messages/{dueNow}")).JsonAsync(HttpStatusCode.OK)).GetProperty("message").GetProperty("notBefore").GetDateTimeOffset();
        var oldest = backlog.GetProperty("channels").EnumerateArray().ToDictionary(c => c.GetProperty("channel").GetString()!, c => c.GetProperty("oldestDueAt"));
        backlog.GetProperty("total").GetProperty("oldestDueAt").GetDateTimeOffset().Should().BeCloseTo(tenMinutesAgo, TimeSpan.FromMilliseconds(1), "the held comment came due later");
        oldest["tracker"].GetDateTimeOffset().Should().BeCloseTo(tenMinutesAgo, TimeSpan.FromMilliseconds(1));
        oldest["telegram"].GetDateTimeOffset().Should().Be(annasDue);
        oldest["whatsapp"].GetDateTimeOffset().Should().Be(annasDue);
        oldest["viber"].ValueKind.Should().Be(JsonValueKind.Null);

        // Which ones: the longest-waiting first, the held comment among them; on one messenger.
        var overdue = (await (await _ops.GetAsync("/api/admin/deliveries/overdue")).JsonAsync(HttpStatusCode.OK)).EnumerateArray().ToList();
        var order = overdue.Select(o => (Str(o, "owner"), Str(o, "channel"), o.GetProperty("held").GetBoolean())).ToList();
        order.Take(2).Should().Equal(("deploys", "tracker", false), ("deploys", "tracker", true));
        order.Skip(2).Should().BeEquivalentTo([("alice", "telegram", false), ("alice", "whatsapp", false)], "Anna's two are due at the same moment, in either order");
        overdue[0].GetProperty("dueAt").GetDateTimeOffset().Should().BeCloseTo(tenMinutesAgo, TimeSpan.FromMilliseconds(1));
        overdue.Skip(2).Should().OnlyContain(o => o.GetProperty("messageId").GetGuid() == dueNow && o.GetProperty("dueAt").GetDateTimeOffset() == annasDue);
        var onWhatsApp = (await (await _ops.GetAsync("/api/admin/deliveries/overdue?channel=WhatsApp")).JsonAsync(HttpStatusCode.OK)).EnumerateArray();
        onWhatsApp.Select(o => Str(o, "contactName")).Should().Equal("Backlog Anna");
        await (await _ops.GetAsync("/api/admin/deliveries/overdue?channel=fax")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        // The operator command line shows the same, a messenger a line, then all.
        var (code, table) = await OperatorCli.RunAsync(api.Database.ConnectionString, "deliveries", "backlog");
        code.Should().Be(0);
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        lines.Skip(1).Select(l => Row(l[0] == "all" ? null : l[0], int.Parse(l[1]), int.Parse(l[3]), int.Parse(l[4]), int.Parse(l[5]), int.Parse(l[6]), int.Parse(l[7])))
            .Should().Equal(expected.Skip(1).Append(expected[0]));
        lines.Single(l => l[0] == "tracker")[2].Should().Match(s => int.Parse(s) >= 600, "the first comment came due ten minutes ago");
        var (listed, jsonLines) = await OperatorCli.RunAsync(api.Database.ConnectionString, "deliveries", "overdue", "--channel", "tracker");
        listed.Should().Be(0);
        jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("held").GetBoolean()).Should().Equal(false, true);
        (await OperatorCli.RunAsync(api.Database.ConnectionString, "deliveries", "overdue", "--limit", "0")).Code.Should().Be(2);

        // The node's gauges show what is due, held and failed, read on their own schedule; Viber has none.
        using var gauges = new BacklogGauges(api.Services.GetRequiredService<IMeterFactory>());
        var gauged = expected.Skip(1).Where(r => r.Channel != "viber").SelectMany(GaugeCounts).ToHashSet();
        await Eventually.HoldsAsync(() => Task.FromResult(gauges.Read().Counts.SetEquals(gauged)), "the backlog gauges to show it");
        var ages = gauges.Read().OldestDueAges;
        ages.Keys.Should().BeEquivalentTo("telegram", "tracker", "whatsapp");
        ages["tracker"].Should().BeGreaterThanOrEqualTo(600);
        ages["telegram"].Should().BeLessThan(600).And.BeGreaterThanOrEqualTo(0);
    }

    private static Counted Row(string? channel, int due, int held, int inFlight, int retrying, int scheduled, int failed) =>
        new(channel, due, held, inFlight, retrying, scheduled, failed);

    private static IEnumerable<Counted> Counts(JsonElement backlog) =>
        new[] { backlog.GetProperty("total") }.Concat(backlog.GetProperty("channels").EnumerateArray()).Select(r => Row(
            r.GetProperty("channel").GetString(), Int(r, "due"), Int(r, "held"), Int(r, "inFlight"), Int(r, "retrying"), Int(r, "scheduled"), Int(r, "failed")));

    private static int Int(JsonElement row, string name) => row.GetProperty(name).GetInt32();

    private static string? Str(JsonElement row, string name) => row.GetProperty(name).GetString();

    private static IEnumerable<(string Channel, string State, int Count)> GaugeCounts(Counted r) =>
        GaugedStates.Zip(new[] { r.Due, r.Held, r.Failed }, (state, count) => (r.Channel!, state, count));

    private async Task<Guid> AddContactAsync(object contact) =>
        (await (await _alice.PostAsJsonAsync("/api/contacts", contact)).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private async Task<Guid> ScheduleAsync(Guid[] contactIds, DateTimeOffset? notBefore) =>
        (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Backlog", contactIds, notBefore })).JsonAsync(HttpStatusCode.Accepted))
            .GetProperty("id").GetGuid();

    /// <summary>One line of the backlog, as the test expects it: a messenger's counts, or all of them.</summary>
    private sealed record Counted(string? Channel, int Due, int Held, int InFlight, int Retrying, int Scheduled, int Failed);

    /// <summary>A deploy's comment on ticket RASP-7, as the deploy notifier schedules it: a notification, no contact.</summary>
    private async Task CommentAsync(DateTimeOffset notBefore)
    {
        var message = Guid.CreateVersion7();
        await DeliveryFailures.AppendAsync(api.Database.ConnectionString, message, new MessageScheduled(
            message, "deploys", "app 1.2 is deployed", notBefore, [new PlannedDelivery(Guid.CreateVersion7(), Guid.Empty, "RASP-7", Channel.Tracker, "RASP-7")], "deploys", notBefore));
    }

    /// <summary>What the host's delivery gauges measure when asked, from that host's meters only.</summary>
    private sealed class BacklogGauges : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly HashSet<(string Channel, string State, int Count)> _counts = [];
        private readonly Dictionary<string, double> _ages = [];

        public BacklogGauges(IMeterFactory hostMeters)
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == hostMeters && instrument.Name.StartsWith("eventsourced.delivery.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((_, count, tags, _) => _counts.Add((Tag(tags, "channel"), Tag(tags, "state"), count)));
            _listener.SetMeasurementEventCallback<double>((_, age, tags, _) => _ages[Tag(tags, "channel")] = age);
            _listener.Start();
        }

        public (HashSet<(string Channel, string State, int Count)> Counts, Dictionary<string, double> OldestDueAges) Read()
        {
            _counts.Clear();
            _ages.Clear();
            _listener.RecordObservableInstruments();
            return ([.. _counts], new Dictionary<string, double>(_ages));
        }

        public void Dispose() => _listener.Dispose();

        private static string Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == name)
                {
                    return (string)tag.Value!;
                }
            }

            return "";
        }
    }
}
