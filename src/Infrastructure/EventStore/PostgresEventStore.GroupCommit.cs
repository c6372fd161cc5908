using EventSourced.Application;
using EventSourced.Application.EventStore;
using EventSourced.Application.Privacy;
using Npgsql;
using NpgsqlTypes;

namespace EventSourced.Infrastructure.EventStore;

/// <summary>
/// Group commit (<see cref="CommitGroups{TItem}"/>): an append that arrives while every committer
/// is busy goes in the next commit with every other append that arrived meanwhile, one statement,
/// one transaction and one WAL flush for all of them. Alone, an append still goes at once in a
/// transaction of its own. Each append in a group keeps its own expected-version check: one that
/// fails inserts nothing and fails alone. An error (a racing writer on the unique indexes, a new
/// key's alias taken) rolls the group back, and its appends are then made one by one, each with its
/// own outcome (ADR 0020).
/// </summary>
public sealed partial class PostgresEventStore
{
    private const int MaxGroup = 256;

    // Transactions committing at once while the process has threads to spare: as many as a typical
    // writer count, so that a few writers each commit alone (PostgreSQL shares their WAL flush);
    // groups form only when more appends arrive than these can take. While work waits for threads,
    // two at most, and groups grow instead (ProcessSaturated). Two at all times cost 8 plain writers
    // a third of their rate on a machine with CPU to spare (ADR 0020).
    private const int MaxCommitters = 8;

    // Bulk appends (BulkAppends) are many at once and CPU-bound: a committer more would not commit
    // sooner, as it waits for the CPU too, and splits the groups that form meanwhile into more
    // transactions, each with CPU of its own. Measured on the Kafka ingest (ADR 0020).
    private const int MaxBulkCommitters = 2;

    private CommitGroups<PendingAppend>? _groups;
    private CommitGroups<PendingAppend>? _bulkGroups;
    private long _bulkAppends;

    private sealed record PendingAppend(string StreamId, ExpectedVersion Expected, IReadOnlyList<EventData> Events, IReadOnlyList<NewSubjectKey> NewKeys)
    {
        public TaskCompletionSource<AppendResult> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    // Made on first use: a field initializer cannot reach this instance's methods.
    private CommitGroups<PendingAppend> Groups => LazyInitializer.EnsureInitialized(ref _groups, () => new(MaxCommitters, MaxGroup, CommitAsync, Fail, NewGroup, ProcessSaturated));

    private CommitGroups<PendingAppend> BulkGroups => LazyInitializer.EnsureInitialized(ref _bulkGroups, () => new(MaxBulkCommitters, MaxGroup, CommitAsync, Fail, NewGroup));

    // Work items wait for a thread-pool thread: the CPU, not the database, is what appends wait for.
    private static bool ProcessSaturated() => ThreadPool.PendingWorkItemCount > 0;

    /// <summary>Committers at work now in the bulk lane (tests see the lane by it).</summary>
    internal int BulkCommittersAtWork => _bulkGroups?.Runners ?? 0;

    /// <summary>Appends that went through the bulk lane since this store was made.</summary>
    internal long BulkAppendsSeen => Interlocked.Read(ref _bulkAppends);

    private Task<AppendResult> CommitInGroupAsync(PendingAppend append, CancellationToken ct)
    {
        if (BulkAppends.InFlow)
        {
            Interlocked.Increment(ref _bulkAppends);
            BulkGroups.Add([append]);
        }
        else
        {
            Groups.Add([append]);
        }

        // A caller that stops waiting does not take its append back: like a request already sent,
        // it may still commit.
        return append.Outcome.Task.WaitAsync(ct);
    }

    /// <summary>
    /// One statement checks each stream's head once, so a group holds a stream once (a second
    /// append to it waits for the next group), and its events share one transaction's positions.
    /// </summary>
    private static Func<PendingAppend, bool> NewGroup()
    {
        var streams = new HashSet<string>(StringComparer.Ordinal);
        var events = 0;
        return next =>
        {
            if ((streams.Count > 0 && events + next.Events.Count > EventStoreSql.MaxEventsPerTransaction) || !streams.Add(next.StreamId))
            {
                return false;
            }

            events += next.Events.Count;
            return true;
        };
    }

    /// <summary>A group that failed other than by a rollback (the database is away): each append fails as it would have alone.</summary>
    private static void Fail(List<PendingAppend> group, Exception e) => group.ForEach(a => a.Outcome.TrySetException(e));

    private Task CommitAsync(List<PendingAppend> group) =>
        group.Count == 1
            ? SettleAsync(group[0], () => AppendAloneAsync(group[0].StreamId, group[0].Expected, group[0].Events, group[0].NewKeys, CancellationToken.None))
            : CommitGroupAsync(group);

    private async Task CommitGroupAsync(List<PendingAppend> group)
    {
        AppendResult?[] appended;
        try
        {
            appended = await AppendAllAsync(group);
        }
        catch (PostgresException)
        {
            // Rolled back: nothing of the group is stored, and each append goes alone.
            foreach (var append in group)
            {
                await SettleAsync(append, () => AppendAloneAsync(append.StreamId, append.Expected, append.Events, append.NewKeys, CancellationToken.None));
            }

            return;
        }

        notifications.Committed([.. group.Where((_, i) => appended[i] is not null).SelectMany(a => a.Events.Select(e => (a.StreamId, e.Type)))]);
        for (var i = 0; i < group.Count; i++)
        {
            var append = group[i];
            if (appended[i] is { } result)
            {
                append.Outcome.TrySetResult(result);
            }
            else
            {
                // Its expectation failed, or its events are stored already: the same check as alone.
                await SettleAsync(append, () => ResolveRejectedAppendAsync(append.StreamId, append.Expected, append.Events, CancellationToken.None));
            }
        }
    }

    /// <summary>All the group's appends in one statement; null for one whose expectation failed.</summary>
    private async Task<AppendResult?[]> AppendAllAsync(List<PendingAppend> group)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var command = new NpgsqlBatchCommand(_sql.AppendToStreams);
        await using var batch = AppendBatch(connection, group.SelectMany(a => a.NewKeys), command);
        var events = group.SelectMany((a, stream) => a.Events.Select((e, place) => (Stream: stream + 1, Place: place + 1, Event: e))).ToList();
        var p = command.Parameters;
        p.AddWithValue(group.Select(a => a.StreamId).ToArray());
        p.AddWithValue(group.Select(a => (int)a.Expected.Kind).ToArray());
        p.AddWithValue(group.Select(a => a.Expected.Version).ToArray());
        p.AddWithValue(events.Select(e => e.Stream).ToArray());
        p.AddWithValue(events.Select(e => e.Place).ToArray());
        p.AddWithValue(events.Select(e => e.Event.EventId).ToArray());
        p.AddWithValue(events.Select(e => e.Event.Type).ToArray());
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb, Value = events.Select(e => e.Event.Data).ToArray() });
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb, Value = events.Select(e => EventRows.SerializeMetadata(e.Event.Metadata)).ToArray() });
        var appended = new Dictionary<string, AppendResult>(StringComparer.Ordinal);
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                appended[reader.GetString(0)] = new AppendResult(reader.GetInt64(1), reader.GetInt64(2));
            }
        }

        return [.. group.Select(a => appended.TryGetValue(a.StreamId, out var result) ? result : (AppendResult?)null)];
    }

    private static async Task SettleAsync(PendingAppend append, Func<Task<AppendResult>> attempt)
    {
        try
        {
            append.Outcome.TrySetResult(await attempt());
        }
        catch (Exception e)
        {
            append.Outcome.TrySetException(e);
        }
    }
}
