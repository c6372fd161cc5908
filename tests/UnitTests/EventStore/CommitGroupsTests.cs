using EventSourced.Application;
using FluentAssertions;

namespace EventSourced.UnitTests.EventStore;

/// <summary>
/// Group commit's queue (ADR 0020): items that arrive while every runner is busy go together in
/// the next group, and a commit that throws fails its own items only, never the queue behind it.
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

    private static void Fail(List<Item> group, Exception e) => group.ForEach(i => i.Done.TrySetException(e));

    private sealed record Item(string Name)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
