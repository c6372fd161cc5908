using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Deciding;
using EventSourced.IntegrationTests.Support;
using EventSourced.Projections.Contacts;
using EventSourced.Projections.Runner;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventSourced.IntegrationTests.Projections;

/// <summary>For random histories of adds, renames, id changes and removals, a rebuild yields exactly the rows live processing did.</summary>
public sealed class RebuildEqualsLiveTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private static readonly EventTypeRegistry Registry = EventCatalog.Create();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task A_rebuild_yields_the_rows_of_live_processing(int seed)
    {
        var node = fixture.Node;
        await ProjectionSchema.EnsureAsync(node.DataSource, CancellationToken.None);
        var projection = new ContactsProjection();
        using var stop = new CancellationTokenSource();
        var runner = new ProjectionRunner(projection, node.DataSource, node.Store, Registry, new ProjectionOptions { StandbyRetry = TimeSpan.FromMilliseconds(50) }, new ProjectionProgress(node.DataSource), NullLogger.Instance);
        var running = Task.Run(() => runner.RunAsync(stop.Token));

        var last = await WriteRandomHistoryAsync(new Random(seed), $"owner{seed}x{Guid.NewGuid():N}"[..20]);
        await Eventually.HoldsAsync(() => new ProjectionProgress(node.DataSource).WaitForAsync("contacts", last, TimeSpan.FromSeconds(1), CancellationToken.None), "live processing");
        var live = await RowsAsync();

        int rebuilt;
        await using (var connection = await node.DataSource.OpenConnectionAsync())
        {
            rebuilt = (await ProjectionGenerations.RequestRebuildAsync(connection, projection, CancellationToken.None)).Number;
        }

        await Eventually.HoldsAsync(async () => await node.ScalarAsync($"SELECT count(*) FROM proj.checkpoints WHERE projection = 'contacts' AND active AND generation = {rebuilt}") == 1, "the rebuild to serve");
        var fromRebuild = await RowsAsync();
        await stop.CancelAsync();
        await running;

        live.Should().NotBeEmpty();
        fromRebuild.Should().Equal(live);
    }

    private async Task<long> WriteRandomHistoryAsync(Random random, string owner)
    {
        var handler = new CommandHandler(fixture.Node.Store, Registry, new FoldedStates(), StateSnapshots.Off);
        var context = new CommandContext(owner, Guid.NewGuid().ToString(), null);
        var stream = ContactBook.StreamId(owner);
        var ids = new List<Guid>();
        long last = 0;
        for (var step = 0; step < 120; step++)
        {
            IContactCommand command = (random.Next(4), ids.Count) switch
            {
                (0, _) or (_, 0) => Add(random, owner, ids),
                (1, _) => new UpdateContact(Pick(random, ids), owner, Optional.Of($"Renamed {random.Next(1000)}"), default, default, default, null, owner, DateTimeOffset.UtcNow),
                (2, _) => new UpdateContact(Pick(random, ids), owner, default, Optional.Of<string?>($"@tg_user_{random.Next(10000)}"), default, default, null, owner, DateTimeOffset.UtcNow),
                _ => new RemoveContact(Pick(random, ids), owner, null, owner, DateTimeOffset.UtcNow),
            };
            try
            {
                var result = await handler.HandleAsync(ContactBook.Decider, stream, command, context);
                last = result.Position ?? last;
            }
            catch (DomainException)
            {
                // Random histories break rules (a taken name, a removed contact): refused, as in production.
            }
        }

        return last;
    }

    private static AddContact Add(Random random, string owner, List<Guid> ids)
    {
        var id = Guid.CreateVersion7();
        ids.Add(id);
        return new AddContact(id, owner, $"Contact {random.Next(1000)}", new MessengerIds(null, null, $"viber{random.Next(100)}"), owner, DateTimeOffset.UtcNow);
    }

    private static Guid Pick(Random random, List<Guid> ids) => ids[random.Next(ids.Count)];

    private async Task<List<string>> RowsAsync()
    {
        await using var command = fixture.Node.DataSource.CreateCommand(
            "SELECT concat_ws('|', owner_id, contact_id, name, telegram, whatsapp, viber, revision) FROM rm.contacts ORDER BY owner_id, contact_id");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
