using System.Net;
using System.Net.Http.Json;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Faults;

/// <summary>
/// A store dumped with pg_dump from a server that has run for years and restored into a new one,
/// whose transaction ids are far behind the ones the stored positions were made of (ADR 0007,
/// amended): the node starting on it goes on after every stored event, rather than placing new
/// ones where no reader looks.
/// </summary>
public sealed class LogicalRestoreTests
{
    private static readonly (string, string)[] Identities = [("alice", "user")];

    [SkippableFact]
    public async Task A_store_restored_from_a_logical_dump_into_a_new_server_appends_after_every_stored_event()
    {
        Skip.If(PrivatePostgres.CannotRun is not null, PrivatePostgres.CannotRun);
        // A server whose ids are past 2^32. The machine's own may be hardly older than the one
        // restored into (on a fresh CI machine), and prove nothing.
        await using var oldServer = await PrivatePostgres.StartAsync(withStandby: false, transactionEpoch: 1);
        var before = new List<(Guid Id, long Position)>();
        await using (var first = await ApiProcess.StartAsync(new Dictionary<string, string> { ["ConnectionStrings:EventStore"] = oldServer.ConnectionString }, Identities))
        {
            for (var i = 0; i < 3; i++)
            {
                var added = await (await first.ClientFor("alice").PostAsJsonAsync("/api/contacts", new { name = $"Before {i}", viber = $"before-{i}" })).JsonAsync(HttpStatusCode.Created);
                before.Add((added.GetProperty("id").GetGuid(), added.GetProperty("position").GetInt64()));
            }
        }

        var dump = Path.Combine(Path.GetTempPath(), $"es-dump-{Guid.NewGuid():N}");
        await using var newServer = await PrivatePostgres.StartAsync(withStandby: false);
        try
        {
            await ChildProcesses.RunAsync(PrivatePostgres.Tool("pg_dump"), "-Fc", "-f", dump, $"--dbname={oldServer.DatabaseUri}");
            await ChildProcesses.RunAsync(PrivatePostgres.Tool("pg_restore"), "--no-owner", "--exit-on-error", $"--dbname={newServer.DatabaseUri}", dump);
        }
        finally
        {
            File.Delete(dump);
        }

        var restoredUpTo = before.Max(c => c.Position);
        (await newServer.TransactionIdAsync()).Should().BeLessThan(restoredUpTo >> 20, "the new server's transaction ids are behind the stored positions, or this test would prove nothing");

        await using var restored = await ApiProcess.StartAsync(new Dictionary<string, string> { ["ConnectionStrings:EventStore"] = newServer.ConnectionString }, Identities);
        var alice = restored.ClientFor("alice");
        var after = await (await alice.PostAsJsonAsync("/api/contacts", new { name = "After", viber = "after" })).JsonAsync(HttpStatusCode.Created);
        var position = after.GetProperty("position").GetInt64();
        position.Should().BeGreaterThan(restoredUpTo, "a new event comes after every restored one, where the read models' checkpoints look");
        var listed = (await (await alice.GetAsync($"/api/contacts?minPosition={position}")).JsonAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ToList();
        listed.Should().Contain(before.Select(c => c.Id)).And.Contain(after.GetProperty("id").GetGuid());
        restored.Output.Should().Contain(line => line.Contains("ran ahead of this server's transaction ids", StringComparison.Ordinal), "the node tells the operator why its positions jump");
    }
}
