using System.Diagnostics;
using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Deciding;
using EventSourced.Domain.Messages;
using EventSourced.Infrastructure.EventStore;
using EventSourced.Projections.Messages;
using EventSourced.Projections.Runner;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventSourced.Benchmarks;

/// <summary>
/// How fast the changed-contacts reactor (ADR 0039, 0040) catches up with a history of messages,
/// as on its first start after an upgrade: it reads the owner's contact book for each message, the
/// message too when one of its contacts changed since it was added (one per owner, whose id changed
/// after the messages: those are sent to the new id on the first round), and saves its checkpoint
/// after each. The baseline is the same events read through the same filter without acting on
/// them, in the same run.
/// </summary>
internal static class ReactorBenchmark
{
    private const int Owners = 50;
    private const int ContactsPerOwner = 20;

    public static async Task RunAsync(NpgsqlDataSource dataSource, PostgresEventStore store, int messages, int rounds)
    {
        var registry = EventCatalog.Create();
        var handler = new CommandHandler(store, registry, new FoldedStates(), StateSnapshots.Off);
        await ProjectionSchema.EnsureAsync(dataSource, CancellationToken.None);
        // A removal waits for the messages read model to reach it, as in the service.
        await using var messagesReadModel = new BackgroundProjection(new MessagesProjection(), dataSource, store, registry);
        var head = await WriteHistoryAsync(handler, messages);
        Console.WriteLine($"{messages} messages from {Owners} owners of {ContactsPerOwner} contacts each (one removed, one with a new id after the messages, per owner); history up to position {head}");

        var reads = new List<double>();
        var catchUps = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            reads.Add(await ReadAsync(store, head));
            catchUps.Add(await CatchUpAsync(dataSource, store, registry, head));
            Console.WriteLine($"round {round + 1}: read {messages / reads[^1]:F0} events/s, reactor {messages / catchUps[^1]:F0} events/s ({catchUps[^1] / reads[^1]:F1}x the read's time)");
        }

        var (read, catchUp) = (Median(reads), Median(catchUps));
        Console.WriteLine($"median: read {messages / read:F0} events/s, reactor {messages / catchUp:F0} events/s; the reactor takes {catchUp / read:F1}x the read's time");
    }

    private static async Task<long> WriteHistoryAsync(CommandHandler handler, int messages)
    {
        var context = new CommandContext("bench", Guid.NewGuid().ToString(), null);
        var books = new List<(string Owner, Recipient[] Recipients)>();
        for (var o = 0; o < Owners; o++)
        {
            var owner = $"owner-{o}";
            var recipients = new Recipient[ContactsPerOwner];
            for (var c = 0; c < ContactsPerOwner; c++)
            {
                var messengers = new MessengerIds($"@bench_{o}_{c}", null, null);
                recipients[c] = new Recipient(Guid.NewGuid(), $"Contact {c}", messengers);
                await handler.HandleAsync(ContactBook.Decider, ContactBook.StreamId(owner), new AddContact(recipients[c].ContactId, owner, recipients[c].Name, messengers, "bench", DateTimeOffset.UtcNow), context);
            }

            await handler.HandleAsync(ContactBook.Decider, ContactBook.StreamId(owner), new RemoveContact(recipients[0].ContactId, owner, null, "bench", DateTimeOffset.UtcNow), context);
            books.Add((owner, recipients));
        }

        long head = 0;
        for (var m = 0; m < messages; m++)
        {
            var (owner, recipients) = books[m % Owners];
            var id = Guid.NewGuid();
            var schedule = new ScheduleMessage(id, owner, $"Message {m}", DateTimeOffset.UtcNow.AddDays(1), [recipients[1 + (m % (ContactsPerOwner - 1))]], "bench", DateTimeOffset.UtcNow);
            head = (await handler.HandleAsync(Message.Decider, Message.StreamId(id), schedule, context, assumeEmpty: true)).Position ?? head;
        }

        foreach (var (owner, recipients) in books)
        {
            var update = new UpdateContact(recipients[1].ContactId, owner, default, Optional.Of<string?>($"@moved_{owner.Replace('-', '_')}"), default, default, null, "bench", DateTimeOffset.UtcNow);
            head = (await handler.HandleAsync(ContactBook.Decider, ContactBook.StreamId(owner), update, context)).Position ?? head;
        }

        return head;
    }

    private static async Task<double> ReadAsync(IEventStore store, long head)
    {
        var watch = Stopwatch.StartNew();
        await foreach (var recorded in store.SubscribeToAllAsync(0, ChangedContactDeliveries.Definition.Filter, CancellationToken.None))
        {
            if (recorded.Position >= head)
            {
                break;
            }
        }

        return watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> CatchUpAsync(NpgsqlDataSource dataSource, IEventStore store, EventTypeRegistry registry, long head)
    {
        await using (var reset = dataSource.CreateCommand("DELETE FROM proj.reactor_checkpoints"))
        {
            await reset.ExecuteNonQueryAsync();
        }

        // A node that starts afresh: nothing remembered.
        var handler = new CommandHandler(store, registry, new FoldedStates(), StateSnapshots.Off);
        var reactor = new ChangedContactDeliveries(
            store, registry, handler, new MessageQueries(dataSource), new ProjectionProgress(dataSource), dataSource, TimeProvider.System, NullLogger<ChangedContactDeliveries>.Instance);
        var watch = Stopwatch.StartNew();
        await reactor.StartAsync(CancellationToken.None);
        await using var checkpoint = dataSource.CreateCommand("SELECT coalesce(max(position), 0) FROM proj.reactor_checkpoints");
        while ((long)(await checkpoint.ExecuteScalarAsync())! < head)
        {
            await Task.Delay(5);
        }

        var elapsed = watch.Elapsed.TotalSeconds;
        await reactor.StopAsync(CancellationToken.None);
        return elapsed;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
