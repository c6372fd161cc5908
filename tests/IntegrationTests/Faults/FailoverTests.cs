using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Xunit.Abstractions;

namespace EventSourced.IntegrationTests.Faults;

/// <summary>
/// The database fails over under load: its primary crashes and its synchronous standby is
/// promoted. The node, given both hosts, goes on against the new primary by itself.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private static readonly (string, string)[] Identities = [("alice", "user")];

    [SkippableFact]
    public async Task When_the_primary_crashes_and_its_standby_is_promoted_the_node_goes_on_and_loses_nothing_acknowledged()
    {
        Skip.If(ReplicatedPostgres.CannotRun is not null, ReplicatedPostgres.CannotRun);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var cluster = await ReplicatedPostgres.StartAsync();
        output.WriteLine($"{clock.Elapsed}: servers up");
        await using var api = await ApiProcess.StartAsync(new Dictionary<string, string> { ["ConnectionStrings:EventStore"] = cluster.ConnectionString }, Identities);
        output.WriteLine($"{clock.Elapsed}: servers and node up");
        var alice = api.ClientFor("alice");
        var load = new ContactLoad(alice);
        var writers = Enumerable.Range(0, 2).Select(load.WriteAsync).ToArray();
        try
        {
            await Eventually.HoldsAsync(() => Task.FromResult(load.Acknowledged.Count >= 20), "the first contacts to be added");
            output.WriteLine($"{clock.Elapsed}: {load.Acknowledged.Count} added; failing over");
            load.Phase = ContactLoad.FailingOver;
            await cluster.FailOverAsync();
            load.Phase = ContactLoad.Promoted;
            var promoted = DateTime.UtcNow;
            output.WriteLine($"{clock.Elapsed}: promoted");
            await Eventually.HoldsAsync(
                () => Task.FromResult(load.Acknowledged.Count(a => a.StartedIn == ContactLoad.Promoted) >= 20),
                $"contacts to be added on the promoted standby; refused meanwhile: {load.RefusedSummary}; servers' log:\n{cluster.Log}");
            var firstAfter = load.Acknowledged.Where(a => a.StartedIn == ContactLoad.Promoted).Min(a => a.At);
            output.WriteLine($"the first command begun after the promotion was acknowledged {(firstAfter - promoted).TotalSeconds:F1} s after it");
        }
        finally
        {
            output.WriteLine($"{clock.Elapsed}: {load.Acknowledged.Count} added; refused: {load.RefusedSummary}");
            await load.StopAsync(writers);
        }

        // Refused as unavailable, or as too many for a client that resends at once; never as an error.
        load.Refused.Should().OnlyContain(
            r => r == "503 urn:eventsourced:problem:unavailable" || r == "429 urn:eventsourced:problem:too-many-requests",
            "a command the database could not take is refused as unavailable, never as an error; the node wrote:\n{0}",
            string.Join('\n', api.Output.Where(l => l.Contains("Exception", StringComparison.Ordinal)).Distinct().Take(30)));
        var before = load.Acknowledged.Where(a => a.EndedIn == ContactLoad.Serving).Max(a => a.Position);
        load.Acknowledged.Where(a => a.StartedIn == ContactLoad.Promoted).Should().OnlyContain(a => a.Position > before, "positions go on rising on the new primary, or a reader's checkpoint would pass over its events");
        var last = load.Acknowledged.Max(a => a.Position);
        var listed = await ListNamesAsync(alice, last);
        listed.Should().Contain(load.Acknowledged.Select(a => a.Name), "every contact acknowledged before, during and after the failover is in the read model");
        await Eventually.HoldsAsync(async () => (await alice.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, "the node to be ready again");
    }

    private static async Task<HashSet<string>> ListNamesAsync(HttpClient client, long minPosition)
    {
        var names = new HashSet<string>();
        for (var page = 1; ; page++)
        {
            var items = (await (await client.GetAsync($"/api/contacts?minPosition={minPosition}&page={page}&pageSize=500")).JsonAsync(HttpStatusCode.OK))
                .GetProperty("items").EnumerateArray().ToList();
            names.UnionWith(items.Select(c => c.GetProperty("name").GetString()!));
            if (items.Count < 500)
            {
                return names;
            }
        }
    }

    /// <summary>Writers adding contacts one after another, each answer kept with the phase of the failover its request began and ended in.</summary>
    private sealed class ContactLoad(HttpClient client)
    {
        public const int Serving = 0;
        public const int FailingOver = 1;
        public const int Promoted = 2;

        private readonly CancellationTokenSource _stop = new();

        public volatile int Phase = Serving;

        public ConcurrentQueue<(string Name, long Position, int StartedIn, int EndedIn, DateTime At)> Acknowledged { get; } = new();

        public ConcurrentQueue<string> Refused { get; } = new();

        public string RefusedSummary => string.Join(", ", Refused.GroupBy(r => r).Select(g => $"{g.Key} x{g.Count()}"));

        public async Task WriteAsync(int writer)
        {
            for (var i = 0; !_stop.IsCancellationRequested; i++)
            {
                var name = $"Writer {writer} contact {i}";
                var startedIn = Phase;
                HttpResponseMessage response;
                try
                {
                    response = await client.PostAsJsonAsync("/api/contacts", new { name, viber = $"viber-{writer}-{i}" }, _stop.Token);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }

                if (response.StatusCode == HttpStatusCode.Created)
                {
                    var position = (await response.JsonAsync(HttpStatusCode.Created)).GetProperty("position").GetInt64();
                    Acknowledged.Enqueue((name, position, startedIn, Phase, DateTime.UtcNow));
                    continue;
                }

                var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
                Refused.Enqueue($"{(int)response.StatusCode} {(problem.TryGetProperty("type", out var type) ? type.GetString() : "(no type)")}");
            }
        }

        public async Task StopAsync(Task[] writers)
        {
            await _stop.CancelAsync();
            await Task.WhenAll(writers);
            _stop.Dispose();
        }
    }
}
