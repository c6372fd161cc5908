using EventSourced.Application;
using FluentAssertions;

namespace EventSourced.UnitTests.EventStore;

/// <summary>
/// Group commit's queue (ADR 0020): items that arrive while every runner is busy go together in
/// the next group, and a commit that throws fails its own items only, never the queue behind it.
/// While the process is saturated, two runners at most commit at once. Commits wait on gates the
/// test opens, so which runner takes which items is decided by the test's steps, not by timing.
/// </summary>
public sealed class CommitGroupsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Items_that_arrive_while_the_runner_is_busy_commit_together_in_the_next_group()
    {
        var (started, first) = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var groups = new List<List<Item>>();
        var queue = new CommitGroups<Item>(1, 100, async group =>
        {
            // One runner: commits never overlap, so the list needs no lock.
            groups.Add(group);

            if (group[0].Name == "first")
            {
                started.SetResult();
                await first.Task;
            }

            group.ForEach(i => i.Done.TrySetResult());
        }, Fail);
        var items = new[] { "first", "second", "third" }.Select(name => new Item(name)).ToList();

        queue.Add([items[0]]);
        await started.Task.WaitAsync(Patience);
        queue.Add([items[1]]);
        queue.Add([items[2]]);
        first.SetResult();
        await Task.WhenAll(items.Select(i => i.Done.Task)).WaitAsync(Patience);

        groups.Select(g => g.Select(i => i.Name)).Should().BeEquivalentTo(new[] { new[] { "first" }, ["second", "third"] }, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task A_commit_that_throws_fails_its_items_and_the_queue_goes_on()
    {
        // One runner: were it lost to the exception, nothing queued after would ever commit.
        var queue = new CommitGroups<Item>(1, 100, group =>
        {
            if (group[0].Name == "poisoned")
            {
                throw new InvalidOperationException("the commit broke");
            }

            group.ForEach(i => i.Done.TrySetResult());
            return Task.CompletedTask;
        }, Fail);
        var (poisoned, next) = (new Item("poisoned"), new Item("next"));

        queue.Add([poisoned]);
        var failed = () => poisoned.Done.Task.WaitAsync(Patience);
        await failed.Should().ThrowAsync<InvalidOperationException>().WithMessage("the commit broke");
        queue.Add([next]);

        await next.Done.Task.WaitAsync(Patience);
    }

    [Fact]
    public async Task While_the_process_is_saturated_two_runners_commit_and_what_arrives_meanwhile_goes_in_one_group()
    {
        var commits = new GatedCommits();
        var queue = new CommitGroups<Item>(8, 100, commits.CommitAsync, Fail, saturated: () => true);
        var items = new[] { "a", "b", "c", "d" }.Select(name => new Item(name)).ToList();

        // One at a time: a runner that had not begun yet would take both as one group.
        queue.Add([items[0]]);
        await commits.StartedAsync(1);
        queue.Add([items[1]]);
        await commits.StartedAsync(2);
        queue.Add([items[2]]);
        queue.Add([items[3]]);
        queue.Runners.Should().Be(2, "no runner starts for what arrives while the process is saturated");
        commits.Release();
        await Task.WhenAll(items.Select(i => i.Done.Task)).WaitAsync(Patience);

        commits.Groups.Should().Equal("a", "b", "c d");
    }

    [Fact]
    public async Task With_threads_to_spare_an_item_that_arrives_while_the_others_commit_starts_a_runner_of_its_own()
    {
        var commits = new GatedCommits();
        var queue = new CommitGroups<Item>(8, 100, commits.CommitAsync, Fail, saturated: () => false);
        var items = new[] { "a", "b", "c", "d" }.Select(name => new Item(name)).ToList();

        foreach (var (item, n) in items.Select((item, i) => (item, i + 1)))
        {
            queue.Add([item]);
            await commits.StartedAsync(n);
        }

        queue.Runners.Should().Be(4);
        commits.Release();
        await Task.WhenAll(items.Select(i => i.Done.Task)).WaitAsync(Patience);
        commits.Groups.Should().Equal("a", "b", "c", "d");
    }

    [Fact]
    public async Task While_the_process_is_saturated_commits_that_throw_leave_runners_for_what_comes_after()
    {
        // Runners lost to exceptions still counted as at work would keep the two allowed while
        // saturated from ever starting again, and nothing queued would commit.
        var queue = new CommitGroups<Item>(8, 100, group =>
        {
            if (group[0].Name.StartsWith("poisoned", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("the commit broke");
            }

            group.ForEach(i => i.Done.TrySetResult());
            return Task.CompletedTask;
        }, Fail, saturated: () => true);

        foreach (var poisoned in new[] { new Item("poisoned 1"), new Item("poisoned 2") })
        {
            queue.Add([poisoned]);
            var failed = () => poisoned.Done.Task.WaitAsync(Patience);
            await failed.Should().ThrowAsync<InvalidOperationException>();
        }

        var next = new Item("next");
        queue.Add([next]);
        await next.Done.Task.WaitAsync(Patience);
    }

    private static void Fail(List<Item> group, Exception e) => group.ForEach(i => i.Done.TrySetException(e));

    private sealed record Item(string Name)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Commits that record their group, then wait until released, then settle it.</summary>
    private sealed class GatedCommits
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<string> _groups = [];
        private readonly SemaphoreSlim _started = new(0);

        /// <summary>Each group's items joined by a space, in the order of their first items.</summary>
        public IReadOnlyList<string> Groups
        {
            get
            {
                lock (_groups)
                {
                    return [.. _groups.Order(StringComparer.Ordinal)];
                }
            }
        }

        public async Task CommitAsync(List<Item> group)
        {
            lock (_groups)
            {
                _groups.Add(string.Join(' ', group.Select(i => i.Name)));
            }

            _started.Release();
            await _gate.Task;
            group.ForEach(i => i.Done.TrySetResult());
        }

        public void Release() => _gate.TrySetResult();

        /// <summary>Waits until <paramref name="count"/> commits in all have begun.</summary>
        public async Task StartedAsync(int count)
        {
            while (CountStarted() < count)
            {
                (await _started.WaitAsync(Patience)).Should().BeTrue($"{count} commits should have begun");
            }
        }

        private int CountStarted()
        {
            lock (_groups)
            {
                return _groups.Count;
            }
        }
    }
}
