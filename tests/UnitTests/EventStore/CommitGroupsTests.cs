using EventSourced.Application;
using FluentAssertions;

namespace EventSourced.UnitTests.EventStore;

/// <summary>
/// How items form groups: each commit waits on a gate the test opens, so which runner takes which
/// items is decided by the test's steps, not by timing.
/// </summary>
public sealed class CommitGroupsTests
{
    [Fact]
    public async Task While_the_process_is_saturated_two_runners_commit_and_what_arrives_meanwhile_goes_in_one_group()
    {
        var commits = new GatedCommits();
        var groups = new CommitGroups<string>(maxRunners: 8, maxGroup: 100, commits.CommitAsync, saturated: () => true);

        // One at a time: a runner that had not begun yet would take both as one group.
        groups.Add(["a"]);
        await commits.StartedAsync(1);
        groups.Add(["b"]);
        await commits.StartedAsync(2);
        groups.Add(["c"]);
        groups.Add(["d"]);
        groups.Runners.Should().Be(2, "no runner starts for what arrives while the process is saturated");
        commits.Release();
        await commits.StartedAsync(3);

        commits.Groups.Should().Equal("a", "b", "c d");
    }

    [Fact]
    public async Task With_threads_to_spare_an_item_that_arrives_while_the_others_commit_starts_a_runner_of_its_own()
    {
        var commits = new GatedCommits();
        var groups = new CommitGroups<string>(maxRunners: 8, maxGroup: 100, commits.CommitAsync, saturated: () => false);

        foreach (var (item, n) in new[] { ("a", 1), ("b", 2), ("c", 3), ("d", 4) })
        {
            groups.Add([item]);
            await commits.StartedAsync(n);
        }


        groups.Runners.Should().Be(4);
        commits.Groups.Should().Equal("a", "b", "c", "d");
        commits.Release();
    }

    /// <summary>Commits that record their group and then wait until released.</summary>
    private sealed class GatedCommits
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<string[]> _groups = [];
        private readonly SemaphoreSlim _started = new(0);

        /// <summary>Each group's items joined by a space, in the order of their first items.</summary>
        public IReadOnlyList<string> Groups
        {
            get
            {
                lock (_groups)
                {
                    return [.. _groups.Select(g => string.Join(' ', g)).Order(StringComparer.Ordinal)];
                }
            }
        }

        public async Task CommitAsync(List<string> group)
        {
            lock (_groups)
            {
                _groups.Add([.. group]);
            }

            _started.Release();
            await _gate.Task;
        }

        public void Release() => _gate.TrySetResult();

        /// <summary>Waits until <paramref name="count"/> commits in all have begun.</summary>
        public async Task StartedAsync(int count)
        {
            while (CountStarted() < count)
            {
                (await _started.WaitAsync(TimeSpan.FromSeconds(30))).Should().BeTrue($"{count} commits should have begun");
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
