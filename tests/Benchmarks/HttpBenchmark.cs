using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;

namespace EventSourced.Benchmarks;

/// <summary>
/// HTTP load on the API as a real process on loopback: add-contact and post-chat-message against
/// a raw endpoint of the same host that does one INSERT. Peak requests/s with 32 requests in
/// flight, then p50/p99 latency at half of each one's peak, paced (an open loop, latency counted
/// from when each request was due), against the raw endpoint paced at the same rate in the same
/// run. Each figure is the median of rounds that alternate the commands, each ratio taken within
/// its round, and each run starts once the read models have caught up with the one before.
/// Goals: peak >= 0.6 x raw; p99 at half of peak <= 1.5 x the raw endpoint's p99 at that rate.
/// </summary>
internal static class HttpBenchmark
{
    private const int Concurrency = 32;
    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan CatchUpPoll = TimeSpan.FromMilliseconds(100);

    public static async Task RunAsync(string connectionString, double seconds, int rounds)
    {
        await using var api = await ApiProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:EventStore"] = connectionString,
            ["Benchmarks:RawEndpoint"] = "true",
            ["RateLimiting:PermitsPerSecond"] = "1000000",
            ["RateLimiting:Burst"] = "1000000",
        }, [.. Enumerable.Range(0, Concurrency).Select(i => ($"bench-{i}", "user")), ("mia", "manager"), ("ops", "operator")]);
        // Many owners, as in production: each owner's contact book is one stream, so one owner
        // adding contacts from 32 connections at once would only measure that stream's contention.
        var users = Enumerable.Range(0, Concurrency).Select(i => api.ClientFor($"bench-{i}")).ToArray();
        using var manager = api.ClientFor("mia");
        using var ops = api.ClientFor("ops");
        (await manager.PutAsJsonAsync("/api/managers/mia/duty", new { onDuty = true })).EnsureSuccessStatusCode();
        // One conversation per request in flight, so that posts do not all queue on one stream.
        var conversations = new List<Guid>();
        for (var i = 0; i < Concurrency * 2; i++)
        {
            var opened = await (await manager.PostAsJsonAsync("/api/conversations", new { visitorId = $"bench-visitor-{i}" })).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            conversations.Add(opened.GetProperty("id").GetGuid());
        }

        var sequence = 0L;
        HttpClient User() => users[Interlocked.Increment(ref sequence) % users.Length];
        var commands = new (string Name, Func<Task<HttpResponseMessage>> Send)[]
        {
            ("raw INSERT", () => User().PostAsJsonAsync("/bench/raw", new { name = $"Raw {sequence}", telegram = "@raw" })),
            ("add contact", () => User().PostAsJsonAsync("/api/contacts", new { name = $"Load {sequence}", telegram = $"@load_{sequence}" })),
            ("post chat message", () => manager.PostAsJsonAsync($"/api/conversations/{conversations[(int)(Interlocked.Increment(ref sequence) % conversations.Count)]}/messages", new { content = "Hello from the load test" })),
        };

        // Warmed up until the service's code is compiled as it will stay (tiered compilation with
        // PGO takes that long on two busy cores), and its pools and caches filled. Measured: after 2 s
        // of each command, the service spent 515-604 µs of CPU on a raw INSERT request; after 20 s,
        // 177-226 µs. The figures were then of the warm-up, not of a service that has run a while.
        foreach (var (_, send) in commands)
        {
            await ClosedLoopAsync(send, seconds * 1.5, new Failures());
            await CaughtUpAsync(ops);
        }

        // Rounds alternate the commands, and each ratio is of one round: the load of other tenants
        // moves from one minute to the next, so a command measured after the baseline alone could
        // differ from it by the machine's drift, not by its own cost.
        var closed = commands.ToDictionary(c => c.Name, _ => new List<LoopRun>());
        var cpu = commands.ToDictionary(c => c.Name, _ => new List<double>());
        var failures = commands.ToDictionary(c => c.Name, _ => new Failures());
        var catchUp = commands.ToDictionary(c => c.Name, _ => TimeSpan.Zero);
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, send) in commands)
            {
                // The machine's busy CPU a request, until the read models have followed: other
                // tenants move it less than the rate, and it counts the projections' share.
                var busy = MachineCpu.BusySeconds();
                var run = await ClosedLoopAsync(send, seconds, failures[name]);
                var took = await CaughtUpAsync(ops);
                cpu[name].Add(MachineCpu.MicrosecondsEach(busy, run.Requests));
                closed[name].Add(run);
                catchUp[name] = took > catchUp[name] ? took : catchUp[name];
            }
        }

        Console.WriteLine($"HTTP on loopback, {Concurrency} in flight, {rounds} rounds of {seconds:F0} s each (2 cores shared by load and service):");
        var raw = commands[0];
        foreach (var (name, _) in commands)
        {
            var runs = closed[name];
            var ratios = runs.Zip(closed[raw.Name], (run, baseline) => run.Rate / baseline.Rate).Order().ToList();
            var ratio = AppendLoad.Median(ratios);
            Console.WriteLine($"  {name,-18} peak {AppendLoad.Median(runs.Select(r => r.Rate)),8:N0} req/s  p50 {AppendLoad.Median(runs.Select(r => r.P50)),6:F1} ms"
                + $"  p99 {AppendLoad.Median(runs.Select(r => r.P99)),6:F1} ms  failed {failures[name]}"
                + (name == raw.Name ? "" : $"  = {ratio:F3} x raw ({ratios[0]:F2} to {ratios[^1]:F2}; goal >= 0.6: {(ratio >= 0.6 ? "met" : "NOT met")})")
                + $"  read models caught up within {catchUp[name].TotalSeconds:F1} s");
            var cpuRatios = cpu[name].Zip(cpu[raw.Name], (command, baseline) => baseline / command).Order().ToList();
            Console.WriteLine($"  {"",-18} the machine's busy CPU {AppendLoad.Median(cpu[name]),6:N0} µs a request"
                + (name == raw.Name ? "" : $"  = {AppendLoad.Median(cpuRatios):F3} x raw by CPU ({cpuRatios[0]:F2} to {cpuRatios[^1]:F2})"));
        }

        foreach (var (name, send) in commands.Skip(1))
        {
            var target = AppendLoad.Median(closed[name].Select(r => r.Rate)) / 2;
            var paced = new List<(LoopRun Raw, LoopRun Command)>();
            var (rawFailed, failed) = (new Failures(), new Failures());
            for (var round = 0; round < rounds; round++)
            {
                var rawRun = await OpenLoopAsync(raw.Send, target, seconds, rawFailed);
                await CaughtUpAsync(ops);
                paced.Add((rawRun, await OpenLoopAsync(send, target, seconds, failed)));
                await CaughtUpAsync(ops);
            }

            var ratios = paced.Select(p => p.Command.P99 / p.Raw.P99).Order().ToList();
            var ratio = AppendLoad.Median(ratios);
            Console.WriteLine($"  {name,-18} at {target,6:N0}/s (half of peak): {AppendLoad.Median(paced.Select(p => p.Command.Rate)),8:N0} req/s"
                + $"  p50 {AppendLoad.Median(paced.Select(p => p.Command.P50)),6:F1} ms  p99 {AppendLoad.Median(paced.Select(p => p.Command.P99)),6:F1} ms"
                + $"  failed {failed}");
            Console.WriteLine($"  {"raw INSERT",-18} at {target,6:N0}/s (same rate):   {AppendLoad.Median(paced.Select(p => p.Raw.Rate)),8:N0} req/s"
                + $"  p99 {AppendLoad.Median(paced.Select(p => p.Raw.P99)),6:F1} ms  failed {rawFailed}"
                + $"  => p99 {ratio:F3} x raw ({ratios[0]:F2} to {ratios[^1]:F2}; goal <= 1.5: {(ratio <= 1.5 ? "met" : "NOT met")})");
        }
    }

    /// <summary>
    /// Waits until every projection and reactor has caught up with the store, and says how long
    /// that took: what one command's run left them to do would otherwise be done during the next
    /// run, the baseline's included. A refused or failed status read counts as not yet.
    /// </summary>
    private static async Task<TimeSpan> CaughtUpAsync(HttpClient ops)
    {
        var clock = Stopwatch.StartNew();
        await Eventually.HoldsAsync(
            async () => await NoLagAsync(ops, "/api/admin/projections") && await NoLagAsync(ops, "/api/admin/reactors"),
            "the read models to catch up after the load stopped", CatchUpLimit, CatchUpPoll);
        return clock.Elapsed;
    }

    /// <summary>Whether every row the status endpoint lists has no event left to process.</summary>
    private static async Task<bool> NoLagAsync(HttpClient ops, string path)
    {
        using var response = await ops.GetAsync(path);
        return response.IsSuccessStatusCode
            && (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).EnumerateArray().All(r => r.GetProperty("lagEvents").GetInt64() == 0);
    }

    private static async Task<LoopRun> ClosedLoopAsync(Func<Task<HttpResponseMessage>> send, double seconds, Failures failed)
    {
        var latencies = new List<double>[Concurrency];
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async w =>
        {
            latencies[w] = [];
            while (clock.Elapsed < until)
            {
                var started = clock.Elapsed;
                using var response = await send();
                if (failed.Count(response))
                {
                    latencies[w].Add((clock.Elapsed - started).TotalMilliseconds);
                }
            }
        }));
        var all = latencies.SelectMany(l => l).Order().ToList();
        return new LoopRun(all.Count, all.Count / clock.Elapsed.TotalSeconds, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static async Task<LoopRun> OpenLoopAsync(Func<Task<HttpResponseMessage>> send, double rate, double seconds, Failures failed)
    {
        var total = (int)(rate * seconds);
        var latencies = new double[total];
        var clock = Stopwatch.StartNew();
        var requests = new List<Task>(total);
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            // The clock read once: read again for the delay, it may have passed the slot meanwhile
            // (a busy machine), and a negative delay throws.
            if (due - clock.Elapsed is { Ticks: > 0 } wait)
            {
                await Task.Delay(wait);
            }

            var index = i;
            requests.Add(Task.Run(async () =>
            {
                using var response = await send();
                failed.Count(response);
                // From when the request was due, so a stalled sender cannot hide its queueing.
                latencies[index] = (clock.Elapsed - due).TotalMilliseconds;
            }));
        }

        await Task.WhenAll(requests);
        var sorted = latencies.Order().ToList();
        return new LoopRun(total, total / clock.Elapsed.TotalSeconds, Percentile(sorted, 0.50), Percentile(sorted, 0.99));
    }

    /// <summary>
    /// One command's run: the requests its rate counts (a closed loop's successes, a paced loop's
    /// every request sent), requests/s and latency percentiles in ms.
    /// </summary>
    private sealed record LoopRun(int Requests, double Rate, double P50, double P99);

    /// <summary>Failed requests by status code. A closed loop's rate counts only successes.</summary>
    private sealed class Failures
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<int, int> _byStatus = new();

        /// <returns>Whether the response was a success.</returns>
        public bool Count(HttpResponseMessage response)
        {
            if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
            {
                return true;
            }

            _byStatus.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            return false;
        }

        public override string ToString() => _byStatus.IsEmpty ? "0" : string.Join(", ", _byStatus.OrderBy(s => s.Key).Select(s => $"{s.Value} x {s.Key}"));
    }

    private static double Percentile(IReadOnlyList<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
}
