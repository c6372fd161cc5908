using EventSourced.Application.Commands;
using EventSourced.TestSupport;
using FluentAssertions;

namespace EventSourced.UnitTests.EventStore;

/// <summary>
/// A state read before every state was forgotten (a subject's key destroyed) is not kept after:
/// it may hold the subject's data in clear.
/// </summary>
public sealed class FoldedStatesClearTests
{
    [Fact]
    public void A_state_read_before_the_states_were_forgotten_is_not_kept()
    {
        var states = new FoldedStates();
        var generation = states.Generation;
        states.Clear();

        states.Remember("contacts-alice", ("read before", 3L), generation);
        states.Recall<string>("contacts-alice").Should().BeNull();

        states.Remember("contacts-alice", ("read after", 3L), states.Generation);
        states.Recall<string>("contacts-alice").Should().Be(("read after", 3L));
    }

    [Fact]
    public void A_state_kept_while_the_states_are_forgotten_is_not_kept_after()
    {
        var kept = 0;
        for (var i = 0; i < 5_000; i++)
        {
            var states = new FoldedStates();
            var generation = states.Generation;
            Overlapping.Run(i, () => states.Remember("contacts-alice", ("read before", 3L), generation), states.Clear);
            if (states.Recall<string>("contacts-alice") is not null)
            {
                kept++;
            }
        }

        kept.Should().Be(0);
    }
}
