using EventSourced.Application.Commands;
using FluentAssertions;

namespace EventSourced.UnitTests.EventStore;

/// <summary>The memory of folded states stays bounded, whatever number of streams is written.</summary>
public sealed class FoldedStatesBoundTests
{
    [Fact]
    public void States_are_remembered_until_the_bound_and_forgotten_past_it()
    {
        var states = new FoldedStates();
        for (var i = 0; i < 20_000; i++)
        {
            states.Remember($"stream-{i}", ($"state {i}", 0L), states.Generation);
        }

        states.Recall<string>("stream-0").Should().Be(("state 0", 0L), "20,000 states fit");

        // Past the bound the size is noticed within 1,024 more states, and everything is forgotten.
        for (var i = 20_000; i < 21_024; i++)
        {
            states.Remember($"stream-{i}", ($"state {i}", 0L), states.Generation);
        }

        states.Recall<string>("stream-0").Should().BeNull();
    }
}
