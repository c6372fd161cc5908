using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStore;
using Npgsql;
using NpgsqlTypes;

namespace EventSourced.Benchmarks;

/// <summary>The baseline: plain INSERTs into a copy of the events table (same columns, same indexes), positions from a sequence.</summary>
internal sealed class RawInsert(NpgsqlDataSource dataSource)
{
    private const string Sql = """
        INSERT INTO raw_events (position, event_id, stream_id, stream_version, event_type, data, metadata)
        SELECT nextval('raw_position'), e.id, $1, $2 + e.ordinal, e.type, e.data, e.metadata
        FROM unnest($3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[]) WITH ORDINALITY AS e(id, type, data, metadata, ordinal)
        """;

    private const string SingleSql = """
        INSERT INTO raw_events (position, event_id, stream_id, stream_version, event_type, data, metadata)
        VALUES (nextval('raw_position'), $1, $2, $3, $4, $5, $6)
        """;

    public static async Task<RawInsert> CreateAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("""
            CREATE TABLE raw_events (LIKE es.events INCLUDING ALL);
            CREATE SEQUENCE raw_position;
            """);
        await command.ExecuteNonQueryAsync();
        return new RawInsert(dataSource);
    }

    public async Task InsertAsync(string stream, long version, EventData[] events)
    {
        await using var command = events.Length == 1 ? Single(stream, version, events[0]) : Batch(stream, version, events);
        await command.ExecuteNonQueryAsync();
    }

    private NpgsqlCommand Single(string stream, long version, EventData e)
    {
        var command = dataSource.CreateCommand(SingleSql);
        command.Parameters.AddWithValue(e.EventId);
        command.Parameters.AddWithValue(stream);
        command.Parameters.AddWithValue(version + 1);
        command.Parameters.AddWithValue(e.Type);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = e.Data });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = Metadata(e) });
        return command;
    }

    private NpgsqlCommand Batch(string stream, long version, EventData[] events)
    {
        var command = dataSource.CreateCommand(Sql);
        command.Parameters.AddWithValue(stream);
        command.Parameters.AddWithValue(version);
        command.Parameters.AddWithValue(events.Select(e => e.EventId).ToArray());
        command.Parameters.AddWithValue(events.Select(e => e.Type).ToArray());
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb, Value = events.Select(e => e.Data).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb, Value = events.Select(Metadata).ToArray() });
        return command;
    }

    // The same metadata document the store writes, so both sides store the same bytes.
    private static string Metadata(EventData e) => EventRows.SerializeMetadata(e.Metadata);
}
