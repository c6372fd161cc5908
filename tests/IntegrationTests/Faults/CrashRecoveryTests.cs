using System.Net;
using EventSourced.Application.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Xunit.Abstractions;

namespace EventSourced.IntegrationTests.Faults;

/// <summary>
/// kill -9 of the API process in the middle of a load of mixed commands, or SIGTERM (a deploy's
/// stop), then a restart: every acknowledged command is in the store, the read models equal a full
/// rebuild, and every accepted delivery goes out, none twice. Asked to stop, it exits within
/// seconds, well before an orchestrator's grace period (30 s) would kill it.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private static readonly (string, string)[] Identities = [("alice", "user"), ("ops", "operator")];

    [Theory]
    [InlineData("SIGKILL")]
    [InlineData("SIGTERM")]
    public async Task A_process_ended_under_load_loses_no_acknowledged_command_and_recovers_read_models_and_deliveries(string signal)
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var emulator = await EmulatorServer.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:EventStore"] = database.ConnectionString,
            // A process started cold on a machine busy with the other tests: the tests' patience,
            // not the product's 5 s, bounds the wait for its projections to catch up.
            ["Projections:ReadYourWritesTimeout"] = Wait.Patience.ToString(),
            ["Deliveries:Enabled"] = "true",
            ["Deliveries:BaseDelay"] = "00:00:00.050",
            ["Deliveries:PollInterval"] = "00:00:00.050",
            ["Deliveries:AttemptTimeout"] = "00:00:03",
            ["Messengers:Telegram:BaseUrl"] = emulator.Endpoint("telegram").ToString(),
            ["Messengers:Telegram:Token"] = "crash-test",
            ["RateLimiting:PermitsPerSecond"] = "100000",
            ["RateLimiting:Burst"] = "100000",
        };
        CommandLoad load;
        await using (var first = await ApiProcess.StartAsync(settings, Identities))
        {
            load = CommandLoad.Start(first.ClientFor("alice"), writers: 8);
            await Eventually.HoldsAsync(() => Task.FromResult(load.Messages.Count >= 60), "a load of acknowledged commands");
            if (signal == "SIGKILL")
            {
                await first.KillAsync();
            }
            else
            {
                var stopping = System.Diagnostics.Stopwatch.StartNew();
                await first.StopAsync().WaitAsync(Wait.Patience * 2);
                output.WriteLine($"stopped in {stopping.Elapsed.TotalSeconds:F1} s");
                stopping.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15), "the host's own limit is 30 s, an orchestrator's grace period");
            }

            await load.StopAsync();
        }

        var contacts = load.Contacts.ToList();
        var messages = load.Messages.ToList();

        output.WriteLine($"acknowledged before {signal}: {contacts.Count} contacts, {messages.Count} messages");
        await using var second = await ApiProcess.StartAsync(settings, Identities);
        var alice = second.ClientFor("alice");

        // 1. Every acknowledged command's event is in the store, at the position it was acknowledged with.
        await using (var node = await EventStoreNode.StartAsync(database.ConnectionString))
        {
            var positions = (await AllAsync(node.Store)).Select(e => e.Position).ToHashSet();
            positions.Should().Contain(contacts.Select(c => c.Position)).And.Contain(messages.Select(m => m.Position));
        }

        // 2. The read models caught up hold every acknowledged contact, and equal a full rebuild.
        var last = contacts.Select(c => c.Position).Concat(messages.Select(m => m.Position)).Max();
        var before = await ContactNamesAsync(alice, last);
        before.Keys.Should().Contain(contacts.Select(c => c.Id));
        var rebuilding = await (await second.ClientFor("ops").PostAsync("/api/admin/projections/contacts/rebuild", null)).JsonAsync(HttpStatusCode.Accepted);
        var generation = rebuilding.GetProperty("generation").GetInt32();
        await Eventually.HoldsAsync(async () => (await ServingGenerationAsync(second.ClientFor("ops"), "contacts")) == generation, "the rebuilt contacts to serve");
        (await ContactNamesAsync(alice, last)).Should().Equal(before);

        // 3. Every accepted delivery goes out, and none twice.
        await Eventually.HoldsAsync(() => MessageViews.AllDeliveredAsync(alice, messages.Select(m => m.Id)), "every accepted delivery to be delivered");
        var sent = (await emulator.ReceivedAsync("telegram")).Where(r => r.Status == 200).ToList();
        sent.GroupBy(r => r.IdempotencyKey).Should().OnlyContain(g => g.Count() == 1, "no delivery goes out twice");
        sent.Count.Should().BeGreaterThanOrEqualTo(messages.Count);
    }

    private static async Task<List<RecordedEvent>> AllAsync(IEventStore store)
    {
        var all = new List<RecordedEvent>();
        for (var after = 0L; ;)
        {
            var page = await store.ReadAllAsync(after, 1000, EventFilter.All);
            all.AddRange(page.Events);
            after = page.LastPosition;
            if (page.IsEnd)
            {
                return all;
            }
        }
    }

    private static async Task<SortedDictionary<Guid, string>> ContactNamesAsync(HttpClient client, long minPosition) =>
        new((await ContactPages.AllAsync(client, minPosition)).ToDictionary(
            c => c.GetProperty("id").GetGuid(),
            c => $"{c.GetProperty("name").GetString()}|{c.GetProperty("telegram").GetString()}|{c.GetProperty("revision").GetInt64()}"));

    private static async Task<int> ServingGenerationAsync(HttpClient ops, string projection)
    {
        var status = await (await ops.GetAsync("/api/admin/projections")).JsonAsync(HttpStatusCode.OK);
        return status.EnumerateArray().Where(p => p.GetProperty("name").GetString() == projection && p.GetProperty("serving").GetBoolean())
            .Select(p => p.GetProperty("generation").GetInt32()).DefaultIfEmpty(0).Max();
    }
}
