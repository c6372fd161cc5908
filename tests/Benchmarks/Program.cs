using System.Globalization;
using EventSourced.Application.EventStore;
using EventSourced.Benchmarks;
using EventSourced.Infrastructure.EventStore;
using Microsoft.Extensions.Logging.Abstractions;

// Append throughput against a raw Npgsql INSERT into a table of the same shape, in one run
// against one database and one (auto-preparing) data source.
// Usage: dotnet run -c Release --project tests/Benchmarks [-- seconds-per-round rounds]
//        dotnet run -c Release --project tests/Benchmarks -- rebuild [events]
//        dotnet run -c Release --project tests/Benchmarks -- lag [commands-per-second] [seconds]
//        dotnet run -c Release --project tests/Benchmarks -- deliveries [count] [rounds] [warm-up-seconds]
//        dotnet run -c Release --project tests/Benchmarks -- http [seconds-per-round] [rounds]
//        dotnet run -c Release --project tests/Benchmarks -- kafka [records] [lag-seconds]
//        dotnet run -c Release --project tests/Benchmarks -- encryption [seconds-per-round] [rounds] [scenarios containing]
//        dotnet run -c Release --project tests/Benchmarks -- sealing [events] [rounds] [known|new|broadcast]
//        dotnet run -c Release --project tests/Benchmarks -- snapshots [chats] [rounds]
//        dotnet run -c Release --project tests/Benchmarks -- reactor [messages] [rounds]
//        dotnet run -c Release --project tests/Benchmarks -- redelivery [failed] [rounds]
//        dotnet run -c Release --project tests/Benchmarks -- compression [seconds-per-round] [rounds]
//        dotnet run -c Release --project tests/Benchmarks -- backlog [waiting-deliveries] [rounds]
//        EVENTSTORE_CONNECTION=esdb://... dotnet run -c Release --project tests/Benchmarks -- esdb [seconds-per-round] [rounds]
var httpMode = args.Length > 0 && args[0] == "http";
var kafkaMode = args.Length > 0 && args[0] == "kafka";
var rebuildMode = args.Length > 0 && args[0] == "rebuild";
var deliveriesMode = args.Length > 0 && args[0] == "deliveries";
var lagMode = args.Length > 0 && args[0] == "lag";
var encryptionMode = args.Length > 0 && args[0] == "encryption";
var esdbMode = args.Length > 0 && args[0] == "esdb";
var sealingMode = args.Length > 0 && args[0] == "sealing";
var snapshotsMode = args.Length > 0 && args[0] == "snapshots";
var reactorMode = args.Length > 0 && args[0] == "reactor";
var redeliveryMode = args.Length > 0 && args[0] == "redelivery";
var compressionMode = args.Length > 0 && args[0] == "compression";
var backlogMode = args.Length > 0 && args[0] == "backlog";
var chatMode = args.Length > 0 && args[0] == "chat";
var appendMode = !rebuildMode && !lagMode && !deliveriesMode && !httpMode && !kafkaMode && !encryptionMode && !esdbMode && !sealingMode && !snapshotsMode && !reactorMode && !redeliveryMode && !compressionMode && !backlogMode && !chatMode;
var seconds = appendMode && args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 4;
var rounds = appendMode && args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var server = Environment.GetEnvironmentVariable("ConnectionStrings__EventStore")
    ?? "Host=127.0.0.1;Port=5432;Username=eventsourced;Password=eventsourced;Database=eventsourced;SSL Mode=Disable";

if (chatMode)
{
    // The domain alone: no database.
    await ChatBenchmark.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5);
    return;
}

await using var database = await BenchDatabase.CreateAsync(server);
if (httpMode)
{
    await HttpBenchmark.RunAsync(database.ConnectionString, args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3);
    return;
}

if (kafkaMode)
{
    await KafkaBenchmark.RunAsync(database.ConnectionString, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20);
    return;
}

if (deliveriesMode)
{
    await DeliveryBenchmark.RunAsync(
        database.ConnectionString,
        args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000,
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3,
        args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 30);
    return;
}

await using var dataSource = EventStoreDataSource.Create(database.ConnectionString);
// Subjects' keys wrapped, as production should run (ADR 0030); plain appends store no keys.
var options = new EventStoreOptions { KeyEncryptionKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) };
await new SchemaMigrator(dataSource, options, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
using var notifications = new AppendNotifications(dataSource, options, NullLogger<AppendNotifications>.Instance);
await notifications.StartAsync(CancellationToken.None);
var store = new PostgresEventStore(dataSource, options, notifications);
if (lagMode)
{
    await LagBenchmark.RunAsync(dataSource, store, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20);
    await notifications.StopAsync(CancellationToken.None);
    return;
}

if (esdbMode)
{
    if (Environment.GetEnvironmentVariable("EVENTSTORE_CONNECTION") is not { } esdb)
    {
        Console.WriteLine("Set EVENTSTORE_CONNECTION to an EventStoreDB server (for example esdb://127.0.0.1:2113?tls=false) to compare it.");
    }
    else
    {
        await EsdbBenchmark.RunAsync(
            store, esdb, args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 3, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3);
    }

    await notifications.StopAsync(CancellationToken.None);
    return;
}

if (encryptionMode)
{
    await EncryptionBenchmark.RunAsync(
        dataSource, store, options, args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 3, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5, args.Length > 3 ? args[3] : null);
    await notifications.StopAsync(CancellationToken.None);
    return;
}

if (compressionMode)
{
    await CompressionBenchmark.RunAsync(
        dataSource, store, options, args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 3, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5);
    await notifications.StopAsync(CancellationToken.None);
    return;
}

if (redeliveryMode)
{
    await RedeliveryBenchmark.RunAsync(
        dataSource, store, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5_000, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3);
    await notifications.StopAsync(CancellationToken.None);
    return;
}

if (backlogMode)
{
    await BacklogBenchmark.RunAsync(
        database.ConnectionString, dataSource, store, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5);
    await notifications.StopAsync(CancellationToken.None);
    return;
}

if (reactorMode)
{
    await ReactorBenchmark.RunAsync(
        dataSource, store, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3);
    await notifications.StopAsync(CancellationToken.None);
    return;
}

if (sealingMode)
{
    await SealingBenchmark.RunAsync(
        dataSource, options, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 6, args.Length > 3 ? args[3] : null);
    await notifications.StopAsync(CancellationToken.None);
    return;
}

if (snapshotsMode)
{
    await SnapshotBenchmark.RunAsync(
        dataSource, store, options, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 6);
    await notifications.StopAsync(CancellationToken.None);
    return;
}

if (rebuildMode)
{
    await RebuildBenchmark.RunAsync(dataSource, store, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000);
    await notifications.StopAsync(CancellationToken.None);
    return;
}

var raw = await RawInsert.CreateAsync(dataSource);

Console.WriteLine($"Append vs raw INSERT: {rounds} paired rounds of {seconds} s, order alternating; medians shown.");
Console.WriteLine($"{"scenario",-28}{"raw ev/s",12}{"append ev/s",14}{"ratio",8}{"ratio range",16}");
var single1 = await CompareAsync("single event, 1 writer", writers: 1, batch: 1);
var single8 = await CompareAsync("single event, 8 writers", writers: 8, batch: 1);
var batch100 = await CompareAsync("100-event batch, 1 writer", writers: 1, batch: 100);
Console.WriteLine();
Console.WriteLine($"goal single 8 writers >= 0.85: {Verdict(single8, 0.85)}; goal batch >= 0.70: {Verdict(batch100, 0.70)}; single 1 writer: {single1:F2}");
await notifications.StopAsync(CancellationToken.None);
return;

static string Verdict(double ratio, double goal) => $"{(ratio >= goal ? "met" : "NOT met")} ({ratio:F2})";

async Task<double> CompareAsync(string name, int writers, int batch)
{
    var (rawRates, ourRates) = await AppendLoad.PairedRoundsAsync(
        rounds,
        () => AppendLoad.RateAsync(writers, batch, seconds, (stream, version, events) => raw.InsertAsync(stream, version, events)),
        () => AppendLoad.RateAsync(writers, batch, seconds, (stream, version, events) => store.AppendAsync(stream, ExpectedVersion.From(version), events)));
    var ratios = rawRates.Zip(ourRates, (r, o) => o / r).Order().ToList();
    var ratio = AppendLoad.Median(ratios);
    Console.WriteLine($"{name,-28}{AppendLoad.Median(rawRates),12:N0}{AppendLoad.Median(ourRates),14:N0}{ratio,8:F2}{$"{ratios[0]:F2}-{ratios[^1]:F2}",16}");
    return ratio;
}
