using EventSourced.Infrastructure.Deliveries;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using EventSourced.Api;
using EventSourced.Api.Emulator;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Messages;
using EventSourced.Infrastructure.Messengers;
using EventSourced.Projections;
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
/// the saga and the gateway to the emulator on loopback, after a warm-up round: deliveries/s, and
/// how many were lost or sent twice. The baseline is the same number of raw HTTP sends to the
/// emulator at the same concurrency, in the same run: the goal is a ratio, since an absolute rate
/// from one machine does not hold on the next.
/// </summary>
internal static class DeliveryBenchmark
{
    private const int RecipientsPerMessage = 10;
    // The raw baseline's parallelism: the scheduler's default (Deliveries:Concurrency) messages of 10 recipients each.
    private const int Concurrency = 320;

    private static readonly (Guid Id, string Name, string Telegram)[] ContactBook =
        Enumerable.Range(0, 1000).Select(i => (Guid.CreateVersion7(), $"Recipient {i}", $"@bench_user_{i}")).ToArray();

    public static async Task RunAsync(string connectionString, int total)
    {
        await using var emulator = await StartEmulatorAsync();
        var baseUrl = emulator.Urls.First() + "/emulator/";
        // Warmed up like the deliveries below (JIT, the emulator's and the client's connections), so
        // that the ratio compares steady states.
        await RawSendsAsync(baseUrl, Math.Max(1000, total / 5));
        // The median of three rounds: one round of raw sends lasts under a second, so another
        // tenant's burst moved a single one by half.
        var rawRates = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            rawRates.Add(await RawSendsAsync(baseUrl, total));
        }

        var rawRate = rawRates.Order().ElementAt(1);

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
        var store = host.Services.GetRequiredService<IEventStore>();
        var registry = host.Services.GetRequiredService<EventTypeRegistry>();
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();

        // A warm-up round first (JIT, pools, the bus's pipes), as a service that has been up a while
        // would be; then the measured deliveries are scheduled and timed until the last one succeeds.
        var warmUp = Math.Max(ContactBook.Length, total / 5);
        await ScheduleAsync(store, registry, warmUp);
        var clock = Stopwatch.StartNew();
        await host.StartAsync();
        var warmedUp = await DeliveredAsync(dataSource, warmUp, clock);
        var startUp = clock.Elapsed;

        clock.Restart();
        await ScheduleAsync(store, registry, total);
        var succeeded = await DeliveredAsync(dataSource, warmUp + total, clock) - warmedUp;
        var elapsed = clock.Elapsed;
        await host.StopAsync();
        var log = emulator.Services.GetRequiredService<EmulatorLog>();
        var sentTwice = log.Requests.Where(r => r.Status == 200 && r.IdempotencyKey is not null).GroupBy(r => r.IdempotencyKey).Count(g => g.Count() > 1);
        var attemptedTwice = log.Requests.Where(r => r.IdempotencyKey is not null).GroupBy(r => r.IdempotencyKey).Count(g => g.Count() > 1);
        var rate = total / elapsed.TotalSeconds;
        Console.WriteLine($"raw HTTP sends to the emulator ({Concurrency} at a time): {rawRate:N0}/s (median of {string.Join(", ", rawRates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))})");
        Console.WriteLine($"start-up and warm-up: {warmUp:N0} deliveries in {startUp.TotalSeconds:F1} s");
        Console.WriteLine($"deliveries: {total:N0} scheduled and delivered in {elapsed.TotalSeconds:F1} s = {rate:N0}/s = {rate / rawRate:F2} x raw sends; goal >= 0.25 x raw: {(rate / rawRate >= 0.25 ? "met" : "NOT met")}");
        Console.WriteLine($"lost: {total - succeeded}, delivered twice: {sentTwice}, sent twice at all: {attemptedTwice} (warm-up included)");
        if (succeeded != total || sentTwice > 0)
        {
            // A rate is no figure when deliveries went missing or twice: the run fails.
            Environment.ExitCode = 1;
        }
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

    /// <summary>Waits until <paramref name="expected"/> deliveries have succeeded in all (five minutes at most), and says how many have.</summary>
    private static async Task<long> DeliveredAsync(NpgsqlDataSource dataSource, long expected, Stopwatch clock)
    {
        var deadline = clock.Elapsed + TimeSpan.FromMinutes(5);
        while (true)
        {
            await using var count = dataSource.CreateCommand("SELECT count(*) FROM es.events WHERE event_type = 'delivery_succeeded'");
            var succeeded = (long)(await count.ExecuteScalarAsync())!;
            if (succeeded >= expected || clock.Elapsed > deadline)
            {
                return succeeded;
            }

            await Task.Delay(20);
        }
    }

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
