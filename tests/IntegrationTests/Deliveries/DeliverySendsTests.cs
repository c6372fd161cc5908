using EventSourced.Application.Deliveries;
using EventSourced.Infrastructure.Deliveries;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventSourced.IntegrationTests.Deliveries;

/// <summary>The record of what messengers accepted: found by delivery, recorded once, dropped when old.</summary>
public sealed class DeliverySendsTests
{
    [Fact]
    public async Task Accepted_sends_are_found_by_delivery_recorded_once_and_dropped_once_older_than_kept()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var node = await EventStoreNode.StartAsync(database.ConnectionString);
        var sends = new DeliverySends(node.DataSource, node.Options);
        var (old, recent, never) = (Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7());

        await sends.RecordAsync([(old, "tg-1"), (recent, null)], CancellationToken.None);
        // Recorded again (two nodes that both sent it), the first record stands.
        await sends.RecordAsync([(old, "tg-other")], CancellationToken.None);

        (await sends.AcceptedAsync([old, recent, never], CancellationToken.None)).Should().BeEquivalentTo(new Dictionary<Guid, string?> { [old] = "tg-1", [recent] = null });

        await using (var age = node.DataSource.CreateCommand("UPDATE es.delivery_sends SET sent_at = now() - interval '2 days' WHERE delivery_id = $1"))
        {
            age.Parameters.AddWithValue(old);
            (await age.ExecuteNonQueryAsync()).Should().Be(1);
        }

        var expiry = new DeliverySendsExpiry(sends, new DeliveryOptions { SendsKeptFor = TimeSpan.FromDays(1) }, NullLogger<DeliverySendsExpiry>.Instance);
        (await expiry.PurgeAsync(CancellationToken.None)).Should().Be(1);
        (await sends.AcceptedAsync([old, recent], CancellationToken.None)).Keys.Should().Equal(recent);
    }
}
