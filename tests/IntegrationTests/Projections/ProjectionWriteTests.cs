using System.Globalization;
using EventSourced.IntegrationTests.Support;
using EventSourced.Projections.Runner;
using FluentAssertions;
using Npgsql;

namespace EventSourced.IntegrationTests.Projections;

/// <summary>Inserts are gathered per table and sent as COPY (many rows), unnest() (a few) or one statement, without changing what is written or its order with other statements.</summary>
public sealed class ProjectionWriteTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(200)]
    public async Task Rows_arrive_exactly_as_inserted_and_a_later_statement_sees_them(int rows)
    {
        var table = $"write_{rows}_{Guid.NewGuid():N}"[..24];
        await fixture.Node.ExecuteAsync($"""
            CREATE TABLE {table} (id integer PRIMARY KEY, name text, note text, at timestamptz, amount numeric, big bigint, key uuid, flag boolean NOT NULL DEFAULT false);
            CREATE TABLE {table}_other (id integer PRIMARY KEY);
            """);
        var at = new DateTimeOffset(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);
        var expected = new List<string>();

        await using (var write = new ProjectionWrite(table))
        {
            for (var i = 0; i < rows; i++)
            {
                // Every third name is null, and note is null in every row.
                var name = i % 3 == 0 ? null : $"name {i} 'quoted' ünïcode";
                write.Insert(table, "id, name, note, at, amount, big, key", i, name, null, at.AddSeconds(i), 1.5m * i, 10_000_000_000L + i, Guid.Empty);
                write.Insert($"{table}_other", "id", i);
                expected.Add(string.Join('|', i, name, "", at.AddSeconds(i).ToUnixTimeSeconds(), (1.5m * i).ToString(CultureInfo.InvariantCulture), 10_000_000_000L + i, Guid.Empty, i == rows - 1 ? "t" : "f"));
            }

            // Must run after every insert above: it sees the last row.
            write.Execute($"UPDATE {table} SET flag = true WHERE id = $1", rows - 1);
            await using var connection = await fixture.Node.DataSource.OpenConnectionAsync();
            await using var tx = await connection.BeginTransactionAsync();
            await write.FlushAsync(connection, tx, CancellationToken.None);
            await tx.CommitAsync();
        }

        var written = new List<string>();
        await using (var command = fixture.Node.DataSource.CreateCommand(
            $"SELECT concat_ws('|', id, coalesce(name, ''), coalesce(note, ''), extract(epoch FROM at)::bigint, amount, big, key, flag) FROM {table} ORDER BY id"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                written.Add(reader.GetString(0));
            }
        }

        written.Should().Equal(expected);
        (await fixture.Node.ScalarAsync($"SELECT count(*) FROM {table}_other")).Should().Be(rows);
    }

    [Fact]
    public async Task Rows_of_set_statements_are_written_together_the_last_of_each_key_winning_and_before_a_later_statement()
    {
        var table = $"rows_{Guid.NewGuid():N}"[..24];
        await fixture.Node.ExecuteAsync($"""
            CREATE TABLE {table} (id text PRIMARY KEY, amount bigint, note text, flagged boolean NOT NULL DEFAULT false);
            CREATE TABLE {table}_totals (id text PRIMARY KEY, total bigint NOT NULL);
            INSERT INTO {table} (id, amount, flagged) VALUES ('a', 1, true);
            """);
        var upsert = $"INSERT INTO {table} (id, amount, note) SELECT * FROM rows ON CONFLICT (id) DO UPDATE SET amount = excluded.amount, note = excluded.note";
        var total = $"INSERT INTO {table}_totals (id, total) SELECT id, total FROM rows ON CONFLICT (id) DO UPDATE SET total = {table}_totals.total + excluded.total";

        await using (var write = new ProjectionWrite(table))
        {
            // Two statements interleaved; 'a' twice in the first (the second row wins, also over
            // the row already stored), and the note null in every row of the first run.
            write.Row(upsert, "id text, amount bigint, note text", "a", 10L, null);
            write.Row(total, "id text, total bigint", "t", 5L);
            write.Row(upsert, "id text, amount bigint, note text", "b", 20L, null);
            write.Row(upsert, "id text, amount bigint, note text", "a", 11L, null);
            // Must see both rows above; and the rows after it are a run of their own.
            write.Execute($"UPDATE {table} SET flagged = NOT flagged");
            write.Row(upsert, "id text, amount bigint, note text", "a", 12L, "last");
            write.Row(total, "id text, total bigint", "t", 7L);
            await using var connection = await fixture.Node.DataSource.OpenConnectionAsync();
            await using var tx = await connection.BeginTransactionAsync();
            await write.FlushAsync(connection, tx, CancellationToken.None);
            await tx.CommitAsync();
        }

        var written = new List<string>();
        await using (var command = fixture.Node.DataSource.CreateCommand($"SELECT concat_ws('|', id, amount, coalesce(note, '-'), flagged) FROM {table} ORDER BY id"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                written.Add(reader.GetString(0));
            }
        }

        written.Should().Equal("a|12|last|f", "b|20|-|t");
        (await fixture.Node.ScalarAsync($"SELECT total FROM {table}_totals WHERE id = 't'")).Should().Be(12);
    }

    [Fact]
    public async Task A_rows_changes_in_gathered_statements_are_written_in_the_order_they_came()
    {
        var table = $"order_{Guid.NewGuid():N}"[..24];
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await fixture.Node.ExecuteAsync($"""
            CREATE TABLE {table} (id uuid PRIMARY KEY, status text NOT NULL, attempts integer NOT NULL DEFAULT 0);
            INSERT INTO {table} (id, status) VALUES ('{a}', 'scheduled'), ('{b}', 'scheduled');
            """);
        var sending = $"UPDATE {table} t SET status = 'sending', attempts = r.attempts FROM rows r WHERE t.id = r.id";
        var retrying = $"UPDATE {table} t SET status = 'retrying' FROM rows r WHERE t.id = r.id";
        var removed = $"DELETE FROM {table} t USING rows r WHERE t.id = r.id";

        await using (var write = new ProjectionWrite(table))
        {
            // A delivery tried, retried and tried again in one batch, as a catching-up projection
            // sees it: gathered by statement alone, 'a' would end retrying. And 'b' removed, then
            // inserted anew: gathered inserts go first, and the insert would find 'b' still there.
            write.Row(sending, "id uuid, attempts integer", a, 1);
            write.Row(sending, "id uuid, attempts integer", b, 1);
            write.Row(retrying, "id uuid", a);
            write.Row(sending, "id uuid, attempts integer", a, 2);
            write.Row(removed, "id uuid", b);
            write.Insert(table, "id, status", b, "scheduled");
            await using var connection = await fixture.Node.DataSource.OpenConnectionAsync();
            await using var tx = await connection.BeginTransactionAsync();
            await write.FlushAsync(connection, tx, CancellationToken.None);
            await tx.CommitAsync();
        }

        await using var read = fixture.Node.DataSource.CreateCommand($"SELECT string_agg(status || ' ' || attempts, ', ' ORDER BY id = '{b}') FROM {table}");
        (await read.ExecuteScalarAsync()).Should().Be("sending 2, scheduled 0");
    }

    [Fact]
    public async Task A_statement_whose_parameters_are_sometimes_null_stays_prepared()
    {
        var table = $"nulls_{Guid.NewGuid():N}"[..24];
        await fixture.Node.ExecuteAsync($"CREATE TABLE {table} (id integer PRIMARY KEY, name text, amount bigint, at timestamptz)");
        var upsert = $"INSERT INTO {table} (id, name, amount, at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET name = $2, amount = $3, at = $4";
        const int Executions = 20;
        await using var connection = await fixture.Node.DataSource.OpenConnectionAsync();
        for (var i = 0; i < Executions; i++)
        {
            // Values and nulls alternate, and the first execution has only nulls.
            var present = i % 2 == 1;
            await using var write = new ProjectionWrite(table);
            write.Execute(upsert, i, present ? $"name {i}" : null, present ? (long)i : null, present ? DateTimeOffset.UnixEpoch.AddDays(i) : null);
            await using var tx = await connection.BeginTransactionAsync();
            await write.FlushAsync(connection, tx, CancellationToken.None);
            await tx.CommitAsync();
        }

        // Npgsql prepares a statement at its second execution, and runs it unprepared whenever its
        // parameters' types differ from those it was prepared with: an untyped null would do so at
        // every other execution.
        await using var prepared = new NpgsqlCommand(
            "SELECT coalesce(sum(generic_plans + custom_plans), 0) FROM pg_prepared_statements WHERE statement LIKE $1", connection);
        prepared.Parameters.AddWithValue($"%INSERT INTO {table} %");
        Convert.ToInt64(await prepared.ExecuteScalarAsync(), CultureInfo.InvariantCulture).Should().Be(Executions - 1);
        (await fixture.Node.ScalarAsync($"SELECT count(*) FROM {table} WHERE name IS NULL AND amount IS NULL AND at IS NULL")).Should().Be(Executions / 2);
    }
}
