using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// The databases test classes and benchmarks make and drop, named by a prefix, the moment they
/// were made and a random part. A run killed before it dropped its database leaves it behind; the
/// first database a process makes of a prefix first drops those of it made more than a day ago (no
/// run lasts that long), so a developer's server does not fill up with them. A name without its
/// moment (made before this) is left alone: nothing says how old it is.
/// </summary>
public static class ThrowawayDatabases
{
    private const string MomentFormat = "yyyyMMddHHmmss";
    private static readonly TimeSpan Abandoned = TimeSpan.FromDays(1);
    private static readonly ConcurrentDictionary<string, Lazy<Task>> AbandonedDropped = new();

    /// <summary>Makes a new database of <paramref name="prefix"/> on <paramref name="server"/>.</summary>
    /// <returns>Its name.</returns>
    public static async Task<string> CreateAsync(string server, string prefix)
    {
        await AbandonedDropped.GetOrAdd(prefix, _ => new(() => DropAbandonedAsync(server, prefix, DateTimeOffset.UtcNow))).Value;
        var name = NewName(prefix, DateTimeOffset.UtcNow);
        await ExecuteAsync(server, $"CREATE DATABASE {name}");
        return name;
    }

    /// <summary>Drops the database, whoever is still connected to it.</summary>
    public static async Task DropAsync(string server, string name)
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\" WITH (FORCE)");
    }

    /// <summary>A new name: <c>{prefix}_{moment, UTC}_{random}</c>, within PostgreSQL's 63 characters.</summary>
    public static string NewName(string prefix, DateTimeOffset now) =>
        $"{prefix}_{now.UtcDateTime.ToString(MomentFormat, CultureInfo.InvariantCulture)}_{Guid.NewGuid():N}";

    /// <summary>The databases on the server whose names start with <paramref name="prefix"/> and '_'.</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(string server, string prefix)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var list = new NpgsqlCommand("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", connection) { Parameters = { new() { Value = prefix + "_" } } };
        await using var reader = await list.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>Drops the databases of <paramref name="prefix"/> made more than a day before <paramref name="now"/>.</summary>
    /// <returns>Their names.</returns>
    public static async Task<IReadOnlyList<string>> DropAbandonedAsync(string server, string prefix, DateTimeOffset now)
    {
        var abandoned = (await ListAsync(server, prefix)).Where(name => MadeAt(name, prefix) is { } made && now - made > Abandoned).ToList();
        foreach (var name in abandoned)
        {
            await DropAsync(server, name);
        }

        return abandoned;
    }

    /// <summary>One statement on the server (its default database), such as CREATE DATABASE.</summary>
    public static async Task ExecuteAsync(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static DateTimeOffset? MadeAt(string name, string prefix)
    {
        var moment = name.AsSpan(prefix.Length + 1);
        return moment.Length > MomentFormat.Length && moment[MomentFormat.Length] == '_'
            && DateTime.TryParseExact(moment[..MomentFormat.Length], MomentFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var made)
                ? new DateTimeOffset(made, TimeSpan.Zero)
                : null;
    }
}
