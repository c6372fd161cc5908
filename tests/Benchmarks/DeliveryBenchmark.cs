using EventSourced.Infrastructure.Deliveries;
using System.Diagnostics;
using System.Net.Http.Json;
using EventSourced.Api.Emulator;
using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Messages;
using EventSourced.Infrastructure;
using EventSourced.Infrastructure.Messengers;
using EventSourced.Projections;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventSourced.Benchmarks;

/// <summary>
/// N deliveries (messages of 10 Telegram recipients) sent through the schedule, the scheduler and
/// the gateway to the emulator on loopback: deliveries/s, and how many were lost or sent twice.
/// The baseline is the same number of raw HTTP sends to the emulator at the same concurrency.
/// </summary>
internal static class DeliveryBenchmark
{
    private const int RecipientsPerMessage = 10;
    // The raw baseline's parallelism: the scheduler's default (Deliveries:Concurrency) messages of 10 recipients each.
    private const int Concurrency = 320;

    public static async Task RunAsync(string connectionString, int total)
    {
        await using var emulator = await StartEmulatorAsync();
        var baseUrl = emulator.Urls.First() + "/emulator/";
        var rawRate = await RawSendsAsync(baseUrl, total);

        using var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:EventStore"] = connectionString,
                ["Deliveries:Enabled"] = "true",
                ["Messengers:Telegram:BaseUrl"] = baseUrl + "telegram/",
                ["Messengers:Telegram:Token"] = "bench",
            }))
            .ConfigureServices((context, services) =>
            {
                services.AddSingleton(TimeProvider.System);
                services.AddSingleton(EventCatalog.Create());
                services.AddSingleton<FoldedStates>();
                services.AddSingleton<CommandHandler>();
                services.AddPostgresEventStore();
                services.AddProjections();
                services.AddDeliveryScheduler();
                services.AddDeliveryBus(context.Configuration);
                services.AddMessengerGateways();
            })
            .Build();
        // All messages are scheduled before the service starts: what is timed is getting 10k due deliveries out.
        await host.Services.GetRequiredService<EventSourced.Infrastructure.EventStore.SchemaMigrator>().MigrateAsync();
        var store = host.Services.GetRequiredService<IEventStore>();
        var registry = host.Services.GetRequiredService<EventTypeRegistry>();
        var messages = total / RecipientsPerMessage;
        await Parallel.ForEachAsync(Enumerable.Range(0, messages), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (m, ct) =>
        {
            var id = Guid.CreateVersion7();
            var deliveries = Enumerable.Range(0, RecipientsPerMessage)
                .Select(r => new PlannedDelivery(Guid.CreateVersion7(), Guid.CreateVersion7(), $"Recipient {r}", Channel.Telegram, $"@bench_user_{m}_{r}"))
                .ToList();
            var scheduled = new MessageScheduled(id, "bench", "Doors open at 18:00", DateTimeOffset.UtcNow, deliveries, "bench", DateTimeOffset.UtcNow);
            await store.AppendAsync(Message.StreamId(id), ExpectedVersion.NoStream, [registry.ToEventData(scheduled, Guid.CreateVersion7(), EventMetadata.Empty)], ct);
        });

        var clock = Stopwatch.StartNew();
        await host.StartAsync();
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        long succeeded;
        do
        {
            await Task.Delay(50);
            await using var count = dataSource.CreateCommand("SELECT count(*) FROM es.events WHERE event_type = 'delivery_succeeded'");
            succeeded = (long)(await count.ExecuteScalarAsync())!;
        }
        while (succeeded < total && clock.Elapsed < TimeSpan.FromMinutes(5));

        var rate = total / clock.Elapsed.TotalSeconds;
        // Sending itself, without start-up: from the first attempt to the last success, by the store's clock.
        await using var span = dataSource.CreateCommand("""
            SELECT extract(epoch FROM max(created_at) FILTER (WHERE event_type = 'delivery_succeeded') - min(created_at) FILTER (WHERE event_type = 'delivery_attempted'))
            FROM es.events
            """);
        var sendingSeconds = Convert.ToDouble(await span.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        await host.StopAsync();
        var log = emulator.Services.GetRequiredService<EmulatorLog>();
        var sentTwice = log.Requests.Where(r => r.Status == 200 && r.IdempotencyKey is not null).GroupBy(r => r.IdempotencyKey).Count(g => g.Count() > 1);
        var attemptedTwice = log.Requests.Where(r => r.IdempotencyKey is not null).GroupBy(r => r.IdempotencyKey).Count(g => g.Count() > 1);
        Console.WriteLine($"raw HTTP sends to the emulator ({Concurrency} at a time): {rawRate:N0}/s");
        var steady = total / sendingSeconds;
        Console.WriteLine($"deliveries: {total:N0} in {clock.Elapsed.TotalSeconds:F1} s from start-up = {rate:N0}/s; first attempt to last success {sendingSeconds:F1} s = {steady:N0}/s ({steady / rawRate:F2} x raw)");
        Console.WriteLine($"goal >= 2,000/s: from start-up {(rate >= 2000 ? "met" : "NOT met")}, while sending {(steady >= 2000 ? "met" : "NOT met")}");
        Console.WriteLine($"lost: {total - succeeded}, delivered twice: {sentTwice}, sent twice at all: {attemptedTwice}");
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
