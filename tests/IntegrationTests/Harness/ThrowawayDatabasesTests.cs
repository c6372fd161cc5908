using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Harness;

/// <summary>What a killed run leaves behind is dropped by a later one, and nothing younger (a prefix of its own: the suite's databases are not touched).</summary>
public sealed class ThrowawayDatabasesTests
{
    private const string Prefix = "es_sweep";

    [Fact]
    public async Task Databases_made_more_than_a_day_ago_are_dropped_and_younger_ones_and_unknown_ages_are_left()
    {
        var now = DateTimeOffset.UtcNow;
        var abandoned = ThrowawayDatabases.NewName(Prefix, now.AddDays(-1).AddMinutes(-1));
        var running = ThrowawayDatabases.NewName(Prefix, now.AddHours(-23));
        var ageUnknown = $"{Prefix}_{Guid.NewGuid():N}";
        string[] made = [abandoned, running, ageUnknown];
        try
        {
            foreach (var name in made)
            {
                await ThrowawayDatabases.ExecuteAsync(TestDatabase.Server, $"CREATE DATABASE {name}");
            }

            (await ThrowawayDatabases.DropAbandonedAsync(TestDatabase.Server, Prefix, now)).Should().Equal(abandoned);

            (await ThrowawayDatabases.ListAsync(TestDatabase.Server, Prefix)).Should().BeEquivalentTo([running, ageUnknown]);
        }
        finally
        {
            foreach (var name in made)
            {
                await ThrowawayDatabases.DropAsync(TestDatabase.Server, name);
            }
        }
    }
}
