using System.Globalization;
using Npgsql;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// The databases test classes and benchmarks make and drop, named by a prefix, the moment they
/// were made and a random part. A run killed before it dropped its database leaves it behind; the
/// next run on that server drops those of its prefix made more than a day ago (no run lasts that
/// long), so a developer's server does not fill up with them. A name without its moment (made
/// before this) is left alone: nothing says how old it is.
/// </summary>
public static class ThrowawayDatabases
{
    private const string MomentFormat = "yyyyMMddHHmmss";
    private static readonly TimeSpan Abandoned = TimeSpan.FromDays(1);

    /// <summary>A new name: <c>{prefix}_{moment, UTC}_{random}</c>, within PostgreSQL's 63 characters.</summary>
    public static string NewName(string prefix, DateTimeOffset now) =>
        $"{prefix}_{now.UtcDateTime.ToString(MomentFormat, CultureInfo.InvariantCulture)}_{Guid.NewGuid():N}";

    /// <summary>Drops the databases of <paramref name="prefix"/> made more than a day before <paramref name="now"/>.</summary>
    /// <returns>Their names.</returns>
    public static async Task<IReadOnlyList<string>> DropAbandonedAsync(string server, string prefix, DateTimeOffset now)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        var abandoned = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", connection) { Parameters = { new() { Value = prefix + "_" } } })
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                if (MadeAt(reader.GetString(0), prefix) is { } made && now - made > Abandoned)
                {
                    abandoned.Add(reader.GetString(0));
                }
            }
        }

        foreach (var name in abandoned)
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }

        return abandoned;
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
