using System.Collections.Concurrent;
using EventSourced.Application.EventStore;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.EventStore;

/// <summary>
/// Concurrent transactions commit out of position order. A reader that only takes
/// "position > checkpoint" skips the ones that commit late; ours must not, and must not stall on
/// positions of transactions that roll back. See docs/adr/0007-gap-free-global-position.md.
/// </summary>
public sealed class GapSafetyTests(EventStoreFixture fixture) : IClassFixture<EventStoreFixture>
{
    private const int Writers = 8;
    private const int TransactionsPerWriter = 40;
    private const int SlowWriters = 2;
    private const int CommitsASlowTransactionWaitsFor = 10;

    [Fact]
    public async Task Eight_writers_with_rollbacks_and_slow_commits_deliver_every_committed_event_once_in_position_order()
    {
        var node = fixture.Node;
        var start = await node.ScalarAsync("SELECT coalesce(max(position), 0) FROM es.events");
        var progress = new CommitProgress();
        var subscriber = new Subscriber(node.Store, start);

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteAsync(w, progress))).ToArray();
        await Task.WhenAll(writers.Skip(SlowWriters)).WaitAsync(Wait.Patience);
        progress.ReleaseSlowWriters();
        await Task.WhenAll(writers).WaitAsync(Wait.Patience);

        var committed = await CommittedPositionsAfterAsync(start);
        var delivered = await subscriber.UntilAsync(committed[^1]).WaitAsync(Wait.Patience);

        delivered.Should().Equal(committed, "every committed event arrives exactly once, in position order");
        committed.Should().HaveCountGreaterThan(Writers * TransactionsPerWriter, "the run must have committed multi-event transactions");
        progress.RolledBack.Should().BePositive();
        progress.CommittedOutOfPositionOrder().Should().BeTrue("the run must have provoked the hazard it tests");
    }

    private async Task WriteAsync(int writer, CommitProgress progress)
    {
        var node = fixture.Node;
        var stream = Events.NewStream("gap");
        for (var t = 0; t < TransactionsPerWriter; t++)
        {
            await using var connection = await node.DataSource.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            var events = Events.Many(1 + (t % 3));
            var appended = await node.Store.AppendAsync(transaction, stream, ExpectedVersion.Any, events);
            var positions = (First: appended.Position - events.Length + 1, Last: appended.Position);

            if (t % 5 == 2)
            {
                await transaction.RollbackAsync();
                progress.RollBack();
                continue;
            }

            if (writer < SlowWriters && t % 4 == 1)
            {
                // Hold the transaction open while others commit later positions.
                await progress.WhenCommittedAtLeast(progress.Committed + CommitsASlowTransactionWaitsFor);
            }

            await transaction.CommitAsync();
            progress.Commit(positions);
        }
    }

    private async Task<List<long>> CommittedPositionsAfterAsync(long start)
    {
        await using var command = fixture.Node.DataSource.CreateCommand("SELECT position FROM es.events WHERE position > $1 ORDER BY position");
        command.Parameters.AddWithValue(start);
        await using var reader = await command.ExecuteReaderAsync();
        var positions = new List<long>();
        while (await reader.ReadAsync())
        {
            positions.Add(reader.GetInt64(0));
        }

        return positions;
    }

    private sealed class Subscriber
    {
        private readonly List<long> _delivered = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _running;
        private TaskCompletionSource? _reached;
        private long _target = long.MaxValue;

        public Subscriber(IEventStore store, long start) => _running = Task.Run(async () =>
        {
            await foreach (var e in store.SubscribeToAllAsync(start, EventFilter.All, _stop.Token))
            {
                lock (_delivered)
                {
                    _delivered.Add(e.Position);
                    if (e.Position >= _target)
                    {
                        _reached!.TrySetResult();
                    }
                }
            }
        });

        public async Task<List<long>> UntilAsync(long position)
        {
            lock (_delivered)
            {
                _target = position;
                _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_delivered.Count > 0 && _delivered[^1] >= position)
                {
                    _reached.TrySetResult();
                }
            }

            await _reached.Task.WaitAsync(Wait.Patience);
            await _stop.CancelAsync();
            await _running.ContinueWith(_ => { }, TaskScheduler.Default);
            lock (_delivered)
            {
                return [.. _delivered];
            }
        }
    }

    private sealed class CommitProgress
    {
        private readonly List<(long Target, TaskCompletionSource Reached)> _waiters = [];
        private readonly ConcurrentQueue<(long First, long Last)> _commitOrder = new();
        private bool _released;
        private int _rolledBack;

        public long Committed { get; private set; }

        public int RolledBack => _rolledBack;

        public void RollBack() => Interlocked.Increment(ref _rolledBack);

        public void Commit((long First, long Last) positions)
        {
            lock (_waiters)
            {
                _commitOrder.Enqueue(positions);
                Committed++;
                foreach (var waiter in _waiters.Where(w => w.Target <= Committed).ToList())
                {
                    waiter.Reached.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }

        public Task WhenCommittedAtLeast(long target)
        {
            lock (_waiters)
            {
                if (_released || Committed >= target)
                {
                    return Task.CompletedTask;
                }

                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((target, reached));
                return reached.Task;
            }
        }

        /// <summary>Once the fast writers are done, nothing more will commit for slow ones to wait on.</summary>
        public void ReleaseSlowWriters()
        {
            lock (_waiters)
            {
                _released = true;
                _waiters.ForEach(w => w.Reached.TrySetResult());
                _waiters.Clear();
            }
        }

        /// <summary>True if some transaction committed after another one that holds higher positions.</summary>
        public bool CommittedOutOfPositionOrder()
        {
            var highestSoFar = long.MinValue;
            foreach (var (first, last) in _commitOrder)
            {
                if (first < highestSoFar)
                {
                    return true;
                }

                highestSoFar = Math.Max(highestSoFar, last);
            }

            return false;
        }
    }
}
