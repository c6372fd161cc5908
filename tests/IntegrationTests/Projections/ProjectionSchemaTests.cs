using EventSourced.IntegrationTests.Support;
using EventSourced.Projections.Runner;
using FluentAssertions;
using Npgsql;

namespace EventSourced.IntegrationTests.Projections;

public sealed class ProjectionSchemaTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    [Fact]
    public async Task A_schema_already_made_is_ensured_without_taking_a_lock_that_waits_for_open_transactions()
    {
        await ProjectionSchema.EnsureAsync(fixture.Node.DataSource, CancellationToken.None);

        // A transaction that read the checkpoints and is still open, as a long operator query.
        await using var reader = await fixture.Node.DataSource.OpenConnectionAsync();
        await using var reading = await reader.BeginTransactionAsync();
        await using (var read = new NpgsqlCommand("SELECT count(*) FROM proj.checkpoints", reader, reading))
        {
            await read.ExecuteScalarAsync();
        }

        // As a reactor starting again: an ALTER TABLE would wait for that transaction (and every
        // commit of a projection would then wait behind it), here until the timeout.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var ensure = () => ProjectionSchema.EnsureAsync(fixture.Node.DataSource, patience.Token);

        await ensure.Should().NotThrowAsync();
    }
}
