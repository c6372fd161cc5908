using System.CommandLine;
using EventSourced.Infrastructure.Tickets.Kafka;

namespace EventSourced.Api.Operator;

/// <summary>
/// `tickets produce`: send records from a file to one of the seller's topics, as the seller would.
/// `tickets dead-letters list|replay|replay-all|discard`: the seller's records that could not be applied, as the REST endpoints offer them.
/// </summary>
public static class TicketsCommand
{
    public static Command Create(Func<ServiceProvider> services)
    {
        var limit = new Option<int>("--limit") { Description = "At most this many", DefaultValueFactory = _ => 100 };
        var afterId = new Option<long>("--after") { Description = "After this dead letter, the last one listed: the next page" };
        var list = new Command("list", "Dead letters as JSON lines, in the order they came: topic, partition, offset, key, headers, body (base64), reason") { limit, afterId };
        list.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            JsonLines.Write(parse.InvocationConfiguration.Output, await provider.GetRequiredService<IngestDeadLetters>().ListAsync(parse.GetValue(limit), parse.GetValue(afterId), null, ct));
            return 0;
        });

        var topic = new Option<string?>("--topic") { Description = "Only the dead letters of this topic" };
        var replayAll = new Command("replay-all", "Apply every dead letter again, in the order they came, after a fix; exit 4 if some still fail (they stay)") { topic };
        replayAll.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            var result = await provider.GetRequiredService<DeadLetterReplay>().ReplayAllAsync(parse.GetValue(topic), ct);
            parse.InvocationConfiguration.Output.WriteLine($"replayed: {result.Applied} applied, {result.StillFailing.Count} still failing");
            if (result.StillFailing.Count == 0)
            {
                return 0;
            }

            parse.InvocationConfiguration.Error.WriteLine($"Still cannot be applied: {string.Join(' ', result.StillFailing)} (tickets dead-letters list shows why).");
            return 4;
        });

        var replayId = new Argument<long>("id") { Description = "The dead letter's id" };
        var replay = new Command("replay", "Apply a dead letter again, after a fix; applied, it leaves the list") { replayId };
        replay.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            var result = await provider.GetRequiredService<DeadLetterReplay>().ReplayAsync(parse.GetValue(replayId), ct);
            return DeadLetterExit.Report(parse, result.Found, result.Applied is { } applied ? $"replayed: {applied.Status.ToString().ToLowerInvariant()}" : null, result.Reason);
        });

        var discardId = new Argument<long>("id") { Description = "The dead letter's id" };
        var discard = new Command("discard", "Drop a dead letter for good") { discardId };
        discard.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            var found = await provider.GetRequiredService<IngestDeadLetters>().RemoveAsync(parse.GetValue(discardId), ct);
            return DeadLetterExit.Report(parse, found, "discarded", null);
        });

        return new Command("tickets", "The seller's records") { Produce(services), new Command("dead-letters", "Records that could not be applied: list, replay, replay-all, discard") { list, replay, replayAll, discard } };
    }

    // Exit codes: 0 all acknowledged, 2 a bad file or nowhere to send (nothing sent), 5 the brokers did not take them all.
    private static Command Produce(Func<ServiceProvider> services)
    {
        var topic = new Option<string>("--topic") { Description = "The topic: events, orders or refunds as configured", Required = true };
        var file = new Option<FileInfo>("--file") { Description = "JSON lines: {\"key\", \"headers\"?, \"value\" | \"value_base64\"}", Required = true };
        var applicationId = new Option<string?>("--application-id") { Description = "The application-id header of lines that give none" };
        var bootstrap = new Option<string?>("--bootstrap") { Description = "Brokers; default Kafka:BootstrapServers, else the running embedded cluster" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the brokers to take each record", DefaultValueFactory = _ => 15 };
        var produce = new Command("produce", "Send the seller's records from a JSON-lines file to a topic") { topic, file, applicationId, bootstrap, timeout };
        produce.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            IReadOnlyList<RecordToSend> records;
            try
            {
                using var reader = File.OpenText(FromShell(parse.GetValue(file)!));
                records = RecordFile.Read(reader, parse.GetValue(applicationId));
            }
            catch (Exception e) when (e is FormatException or IOException)
            {
                error.WriteLine($"Nothing sent: {e.Message}");
                return 2;
            }

            await using var provider = services();
            var options = provider.GetRequiredService<KafkaOptions>();
            if (RecordProducer.BootstrapServers(options, parse.GetValue(bootstrap)) is not { } brokers)
            {
                error.WriteLine("Nothing sent: no brokers. Give --bootstrap, set Kafka:BootstrapServers, or run the service with Kafka:Embedded (scripts/run.sh does).");
                return 2;
            }

            options.BootstrapServers = brokers;
            var (sent, failure) = await RecordProducer.SendAsync(options.ToClientConfig(), parse.GetValue(topic)!, records, TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
            if (failure is not null)
            {
                error.WriteLine($"{sent} of {records.Count} sent to {brokers}; the rest were refused: {failure.Message}");
                return 5;
            }

            parse.InvocationConfiguration.Output.WriteLine($"{sent} sent to {parse.GetValue(topic)} at {brokers}");
            return 0;
        });
        return produce;
    }

    // `dotnet run --project src/Api` runs in the project's folder (the Web SDK's RunWorkingDirectory):
    // a relative path the user typed means the shell's folder, which $PWD still names.
    private static string FromShell(FileInfo file) =>
        file.Exists || Environment.GetEnvironmentVariable("PWD") is not { } shell ? file.FullName : Path.GetFullPath(file.ToString(), shell);
}
