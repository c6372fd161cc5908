using System.Diagnostics;
using System.Net;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Xunit.Abstractions;

namespace EventSourced.IntegrationTests.Faults;

/// <summary>
/// The database fails over under load: its primary crashes and its synchronous standby is
/// promoted. The node, given both hosts, goes on against the new primary by itself, and nothing
/// it acknowledged is lost or sent twice (ADR 0046).
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private const int Serving = 0;
    private const int FailingOver = 1;
    private const int Promoted = 2;

    private static readonly (string, string)[] Identities = [("alice", "user")];

    [SkippableFact]
    public async Task When_the_primary_crashes_and_its_standby_is_promoted_the_node_goes_on_and_loses_nothing_acknowledged()
    {
        Skip.If(PrivatePostgres.CannotRun is not null, PrivatePostgres.CannotRun);
        var clock = Stopwatch.StartNew();
        await using var cluster = await PrivatePostgres.StartAsync(withStandby: true);
        await using var emulator = await EmulatorServer.StartAsync();
        await using var api = await ApiProcess.StartAsync(
            new Dictionary<string, string>
            {
                ["ConnectionStrings:EventStore"] = cluster.ConnectionString,
                ["Projections:ReadYourWritesTimeout"] = Wait.Patience.ToString(),
                // Saga steps wait for the database up to the attempt time-out (2 min), above the failover's time.
                ["Deliveries:Enabled"] = "true",
                ["Deliveries:PollInterval"] = "00:00:00.050",
                ["Messengers:Telegram:BaseUrl"] = emulator.Endpoint("telegram").ToString(),
                ["Messengers:Telegram:Token"] = "failover-test",
            },
            Identities);
        output.WriteLine($"{clock.Elapsed}: servers and node up");
        var alice = api.ClientFor("alice");
        var load = CommandLoad.Start(alice, writers: 2);
        try
        {
            await Eventually.HoldsAsync(() => Task.FromResult(load.Messages.Count >= 10), "the first messages to be accepted");
            output.WriteLine($"{clock.Elapsed}: {load.Messages.Count} messages accepted; failing over");
            load.Phase = FailingOver;
            await cluster.CrashPrimaryAsync();
            output.WriteLine($"{clock.Elapsed}: primary crashed");
            // No primary is up: commands wait for one, and reads go on at the standby (ADR 0046).
            (await ReadContactsAsync(alice)).Should().StartWith("200", "reads are served at the standby while no primary is up");
            output.WriteLine($"{clock.Elapsed}: read at the standby; promoting it");
            await cluster.PromoteStandbyAsync();
            load.Phase = Promoted;
            var promoted = DateTime.UtcNow;
            output.WriteLine($"{clock.Elapsed}: promoted");
            await Eventually.HoldsAsync(
                () => Task.FromResult(load.Messages.Count(m => m.BegunIn == Promoted) >= 10),
                $"messages to be accepted on the promoted standby; refused meanwhile: {load.RefusedSummary}; servers' log:\n{cluster.Log}");
            var firstAfter = load.Contacts.Where(c => c.BegunIn == Promoted).Min(c => c.At);
            output.WriteLine($"the first command begun after the promotion was acknowledged {(firstAfter - promoted).TotalSeconds:F1} s after it");
        }
        finally
        {
            await load.StopAsync();
            output.WriteLine($"{clock.Elapsed}: {load.Contacts.Count} contacts, {load.Messages.Count} messages; refused: {load.RefusedSummary}");
        }

        // Refused as unavailable, or as too many for a writer that resends at once; never as an error.
        load.Refused.Should().OnlyContain(
            r => r == "503 urn:eventsourced:problem:unavailable" || r == "429 urn:eventsourced:problem:too-many-requests",
            "a command the database could not take is refused as unavailable, never as an error; the node wrote:\n{0}",
            string.Join('\n', api.Output.Where(l => l.Contains("Exception", StringComparison.Ordinal)).Distinct().Take(30)));
        var acknowledged = load.Contacts.Concat(load.Messages).ToList();
        var before = acknowledged.Where(a => a.EndedIn == Serving).Max(a => a.Position);
        acknowledged.Where(a => a.BegunIn == Promoted).Should().OnlyContain(
            a => a.Position > before, "positions go on rising on the new primary, or a reader's checkpoint would pass over its events");
        var minPosition = acknowledged.Max(a => a.Position);
        var listed = (await ContactPages.AllAsync(alice, minPosition)).Select(c => c.GetProperty("id").GetGuid());
        listed.Should().Contain(load.Contacts.Select(c => c.Id), "every contact acknowledged before, during and after the failover is in the read model");
        try
        {
            await Eventually.HoldsAsync(() => MessageViews.AllDeliveredAsync(alice, load.Messages.Select(m => m.Id)), "every accepted message to be delivered");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(
                $"{e.Message} Not delivered: {string.Join("; ", await MessageViews.UndeliveredAsync(alice, load.Messages.Select(m => m.Id)))}; the node's log ends:\n"
                + string.Join('\n', api.Output.TakeLast(80)),
                e);
        }

        var sent = (await emulator.ReceivedAsync("telegram")).Where(r => r.Status == 200).ToList();
        sent.GroupBy(r => r.IdempotencyKey).Should().OnlyContain(g => g.Count() == 1, "no delivery goes out twice");
        await Eventually.HoldsAsync(async () => (await alice.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "the node to be ready again");
    }

    private static async Task<string> ReadContactsAsync(HttpClient client)
    {
        using var read = await client.GetAsync("/api/contacts?pageSize=1");
        return $"{(int)read.StatusCode} {await read.Content.ReadAsStringAsync()}";
    }
}
