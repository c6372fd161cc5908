using EventSourced.Infrastructure.Deliveries;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using EventSourced.Api;
using EventSourced.Api.Emulator;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Messages;
using EventSourced.Infrastructure.Messengers;
using EventSourced.IntegrationTests.Support;
using EventSourced.Projections;
using EventSourced.Projections.Runner;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventSourced.Benchmarks;

/// <summary>
/// N deliveries (messages of 10 Telegram recipients) sent through the schedule, the scheduler,
/// the saga and the gateway to the emulator on loopback, after a warm-up of some seconds:
/// deliveries/s, and how many were lost or sent twice. The baseline is the same number of raw HTTP
/// sends to the emulator at the same concurrency, in rounds alternated with the deliveries' in
/// the same run: the goal is a ratio, since an absolute rate from one machine does not hold on the
/// next. The median of the rounds' ratios is printed, with their range.
/// </summary>
internal static class DeliveryBenchmark
{
    private const int RecipientsPerMessage = 10;
    // The raw baseline's parallelism: the scheduler's default (Deliveries:Concurrency) messages of 10 recipients each.
    private const int Concurrency = 320;

    private static readonly (Guid Id, string Name, string Telegram)[] ContactBook =
        Enumerable.Range(0, 1000).Select(i => (Guid.CreateVersion7(), $"Recipient {i}", $"@bench_user_{i}")).ToArray();

    public static async Task RunAsync(string connectionString, int total, int rounds, double warmUpSeconds)
    {
        await using var emulator = await StartEmulatorAsync();
        var baseUrl = emulator.Urls.First() + "/emulator/";
        // Warmed up like the deliveries below (JIT, the emulator's and the client's connections), so
        // that the ratio compares steady states.
        await RawSendsAsync(baseUrl, Math.Max(1000, total / 5));

        using var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:EventStore"] = connectionString,
                ["Deliveries:Enabled"] = "true",
                ["Messengers:Telegram:BaseUrl"] = baseUrl + "telegram/",
                ["Messengers:Telegram:Token"] = "bench",
                // Subjects' keys wrapped, as production should run (ADR 0030).
                ["EventStore:KeyEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            }))
            .ConfigureServices((context, services) =>
            {
                // Composed as the service is (src/Api/Program.cs), personal data sealed and the
                // reactors following the events, so that the figure is the service's.
                services.AddSingleton(TimeProvider.System);
                services.AddCore(context.Configuration);
                services.AddReactors();
                services.AddDeliveryScheduler();
                services.AddDeliveryBus(context.Configuration);
                services.AddMessengerGateways();
            })
            .Build();
        await host.Services.GetRequiredService<EventSourced.Infrastructure.EventStore.SchemaMigrator>().MigrateAsync();
        var timed = new TimedDeliveries(
            host.Services.GetRequiredService<IEventStore>(), host.Services.GetRequiredService<EventTypeRegistry>(),
            host.Services.GetRequiredService<NpgsqlDataSource>(), host.Services.GetRequiredService<ProjectionStatusQueries>());
        await host.StartAsync();

        // Warmed up until the host's code is compiled as it will stay: tiered compilation with
        // PGO takes that long on two busy cores. Measured with perf: after a warm-up of 4,000
        // deliveries (4 s), most of the host's samples in the measured seconds were in code not yet
        // optimized, and its first optimized code came 11 s into them; the figure was the JIT's.
        var warmUp = Math.Max(ContactBook.Length, total / 5);
        var warmUpClock = Stopwatch.StartNew();
        var (warmedUp, lost) = (0, 0L);
        do
        {
            lost += warmUp - (await timed.DeliverAsync(warmUp)).Succeeded;
            warmedUp += warmUp;
        }
        while (warmUpClock.Elapsed.TotalSeconds < warmUpSeconds);

        var warmUpTime = warmUpClock.Elapsed;
        // Rounds alternate raw sends and deliveries, and each ratio is of one round: other tenants'
        // load moves from one minute to the next more than the figures differ. Each also says the
        // machine's busy CPU a send or a delivery, which other tenants move less than the rate.
        var runs = new List<Round>();
        for (var round = 0; round < rounds; round++)
        {
            var busy = MachineCpu.BusySeconds();
            var raw = await RawSendsAsync(baseUrl, total);
            var rawCpu = MachineCpu.MicrosecondsEach(busy, total);
            var delivered = await timed.DeliverAsync(total);
            lost += total - delivered.Succeeded;
            runs.Add(new Round(raw, rawCpu, total / delivered.Elapsed.TotalSeconds, delivered.CpuMicroseconds));
        }

        await host.StopAsync();
        var log = emulator.Services.GetRequiredService<EmulatorLog>();
        var sentTwice = log.Requests.Where(r => r.Status == 200 && r.IdempotencyKey is not null).GroupBy(r => r.IdempotencyKey).Count(g => g.Count() > 1);
        var attemptedTwice = log.Requests.Where(r => r.IdempotencyKey is not null).GroupBy(r => r.IdempotencyKey).Count(g => g.Count() > 1);
        var ratios = runs.Select(r => r.Rate / r.RawRate).Order().ToList();
        var ratio = AppendLoad.Median(ratios);
        var cpuRatios = runs.Select(r => r.RawCpu / r.Cpu).Order().ToList();
        Console.WriteLine($"warm-up: {warmedUp:N0} deliveries in {warmUpTime.TotalSeconds:F1} s");
        Console.WriteLine($"{rounds} rounds of {total:N0}, raw HTTP sends to the emulator ({Concurrency} at a time) alternated with deliveries:");
        foreach (var r in runs)
        {
            Console.WriteLine($"  raw sends {r.RawRate,9:N0}/s at {r.RawCpu,5:N0} µs CPU  deliveries {r.Rate,7:N0}/s at {r.Cpu,6:N0} µs CPU"
                + $"  = {r.Rate / r.RawRate:F3} x raw, by CPU {r.RawCpu / r.Cpu:F3} x");
        }

        Console.WriteLine($"deliveries: median {AppendLoad.Median(runs.Select(r => r.Rate)):N0}/s, raw sends {AppendLoad.Median(runs.Select(r => r.RawRate)):N0}/s"
            + $" = {ratio:F3} x raw sends ({ratios[0]:F2} to {ratios[^1]:F2}); goal >= 0.25 x raw: {(ratio >= 0.25 ? "met" : "NOT met")}");
        Console.WriteLine($"by the machine's busy CPU: median {AppendLoad.Median(runs.Select(r => r.Cpu)):N0} µs a delivery, {AppendLoad.Median(runs.Select(r => r.RawCpu)):N0} µs a raw send"
            + $" = {AppendLoad.Median(cpuRatios):F3} x ({cpuRatios[0]:F2} to {cpuRatios[^1]:F2})");
        Console.WriteLine($"lost: {lost}, delivered twice: {sentTwice}, sent twice at all: {attemptedTwice} (warm-up included)");
        if (lost > 0 || sentTwice > 0)
        {
            // A rate is no figure when deliveries went missing or twice: the run fails.
            Environment.ExitCode = 1;
        }
    }

    /// <summary>A round: raw sends and deliveries a second, and the machine's busy CPU (µs) each took.</summary>
    private sealed record Round(double RawRate, double RawCpu, double Rate, double Cpu);

    /// <summary>Deliveries scheduled at once and timed until the last one succeeds.</summary>
    private sealed class TimedDeliveries(IEventStore store, EventTypeRegistry registry, NpgsqlDataSource dataSource, ProjectionStatusQueries status)
    {
        private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

        // A count of a round's successes reads every one of them so far, most not yet all-visible
        // (3.7 ms on average in a round of 10,000, with the statement log on): read 10 times a
        // second rather than 50, it takes less from the deliveries it measures, and the end is
        // still known within 2% of a 5-second round.
        private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

        /// <summary>
        /// How many of <paramref name="deliveries"/> succeeded (five minutes at most), how long they
        /// took, and the machine's busy CPU a delivery until the read models and reactors had
        /// followed them too: their share comes after the last success.
        /// </summary>
        public async Task<(long Succeeded, TimeSpan Elapsed, double CpuMicroseconds)> DeliverAsync(int deliveries)
        {
            var busy = MachineCpu.BusySeconds();
            // Only this round's successes are counted: they commit after this read, in transactions
            // that take their ids (and so positions) after it. Counting them all, as the mode did,
            // scanned every success of the run 50 times a second.
            await using var head = dataSource.CreateCommand("SELECT coalesce(max(position), 0) FROM es.events");
            var since = (long)(await head.ExecuteScalarAsync())!;
            var clock = Stopwatch.StartNew();
            await ScheduleAsync(store, registry, deliveries);
            while (true)
            {
                await using var count = dataSource.CreateCommand("SELECT count(*) FROM es.events WHERE event_type = 'delivery_succeeded' AND position > $1");
                count.Parameters.Add(new() { Value = since });
                var succeeded = (long)(await count.ExecuteScalarAsync())!;
                if (succeeded >= deliveries || clock.Elapsed > Limit)
                {
                    var elapsed = clock.Elapsed;
                    if (succeeded >= deliveries)
                    {
                        // A round that lost deliveries is reported as such, not waited on further.
                        await CaughtUpAsync();
                    }

                    return (succeeded, elapsed, MachineCpu.MicrosecondsEach(busy, deliveries));
                }

                await Task.Delay(Poll);
            }
        }

        private Task CaughtUpAsync() => Eventually.HoldsAsync(
            async () => (await status.AllAsync(CancellationToken.None)).All(p => p.LagEvents == 0) && (await status.ReactorsAsync(CancellationToken.None)).All(r => r.LagEvents == 0),
            "the read models and reactors to follow the deliveries", Limit, Poll);
    }

    /// <summary>
    /// Messages of <see cref="RecipientsPerMessage"/> Telegram recipients each, due at once, to the
    /// contacts of one book in turn: the warm-up round has made every contact's key, as the
    /// contacts' own events would have.
    /// </summary>
    private static Task ScheduleAsync(IEventStore store, EventTypeRegistry registry, int deliveries) =>
        Parallel.ForEachAsync(Enumerable.Range(0, deliveries / RecipientsPerMessage), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (m, ct) =>
        {
            var id = Guid.CreateVersion7();
            var planned = Enumerable.Range(m * RecipientsPerMessage, RecipientsPerMessage)
                .Select(r => ContactBook[r % ContactBook.Length])
                .Select(c => new PlannedDelivery(Guid.CreateVersion7(), c.Id, c.Name, Channel.Telegram, c.Telegram))
                .ToList();
            var scheduled = new MessageScheduled(id, "bench", "Doors open at 18:00", DateTimeOffset.UtcNow, planned, "bench", DateTimeOffset.UtcNow);
            await store.AppendAsync(Message.StreamId(id), ExpectedVersion.NoStream, [registry.ToEventData(scheduled, Guid.CreateVersion7(), EventMetadata.Empty)], ct);
        });

    private static async Task<WebApplication> StartEmulatorAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddMessengerEmulator();
        builder.Services.AddAuthorization();
        var app = builder.Build();
        app.MapMessengerEmulator();
        await app.StartAsync();
        return app;
    }

    private static async Task<double> RawSendsAsync(string baseUrl, int total)
    {
        using var http = new HttpClient();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, total), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, ct) =>
        {
            using var response = await http.PostAsJsonAsync($"{baseUrl}telegram/botraw/sendMessage", new { chat_id = $"@raw_{i}", text = "Doors open at 18:00" }, ct);
            response.EnsureSuccessStatusCode();
        });
        return total / clock.Elapsed.TotalSeconds;
    }
}
