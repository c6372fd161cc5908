using System.Net;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.AspNetCore.Hosting;
using Npgsql;
using static EventSourced.IntegrationTests.Tickets.SellerRecords;

namespace EventSourced.IntegrationTests.Tickets;

/// <summary>
/// A show's availability and minimum price come from its orders, which the tickets projection
/// keeps, not the shows projection: a show read at an order's position waits for both. The
/// tickets projection is held here by a lock on its table; its transaction, waiting, holds back
/// every database's $all horizon (ADR 0007), so this runs alone.
/// </summary>
[Collection(Faults.SharedServiceRestarts.Name)]
public sealed class ShowAvailabilityTests(ShowAvailabilityTests.ImpatientApi api) : IClassFixture<ShowAvailabilityTests.ImpatientApi>
{
    private readonly HttpClient _seller = api.ClientFor("ticketland");

    [Fact]
    public async Task A_show_read_at_an_orders_position_waits_for_the_availability_the_order_reported()
    {
        var ids = Ids.New();
        var shown = await IngestAsync(_seller, "events", ids.Show, Show(ids.Show));
        await Eventually.HoldsAsync(async () => (await ShowAtAsync(ids, shown)).StatusCode == HttpStatusCode.OK, "the show");
        await using var connection = new NpgsqlConnection(api.Database.ConnectionString);
        await connection.OpenAsync();
        await Eventually.HoldsAsync(async () => await ScalarAsync(connection, null, "SELECT to_regclass('rm.tickets_availability') IS NOT NULL") is true, "the tickets projection's tables");

        long ordered;
        await using (var hold = await connection.BeginTransactionAsync())
        {
            await ScalarAsync(connection, hold, "LOCK TABLE rm.tickets_availability IN EXCLUSIVE MODE");
            ordered = await IngestAsync(_seller, "orders", ids.Order, Order(ids));

            var waiting = await (await ShowAtAsync(ids, ordered)).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "urn:eventsourced:problem:unavailable");
            waiting.GetProperty("detail").GetString().Should().Contain("'tickets'", "the shows projection has nothing to apply from an order");
            await hold.RollbackAsync();
        }

        HttpResponseMessage response = null!;
        await Eventually.HoldsAsync(async () => (response = await ShowAtAsync(ids, ordered)).StatusCode == HttpStatusCode.OK, "the show with its order's availability");
        var show = await response.JsonAsync(HttpStatusCode.OK);
        show.GetProperty("priceMin").GetInt64().Should().Be(150000);
        show.GetProperty("ticketsAvailable").GetInt32().Should().Be(311);
    }

    private Task<HttpResponseMessage> ShowAtAsync(Ids ids, long minPosition) => _seller.GetAsync($"/api/ticket-events/{ids.Show}?minPosition={minPosition}");

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return await command.ExecuteScalarAsync();
    }

    public sealed class ImpatientApi : EmptyStoreApi
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Projections:ReadYourWritesTimeout", "00:00:01");
        }
    }
}
