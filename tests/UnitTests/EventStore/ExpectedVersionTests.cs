using EventSourced.Application.EventStore;
using FluentAssertions;

namespace EventSourced.UnitTests.EventStore;

public sealed class ExpectedVersionTests
{
    [Fact]
    public void The_version_of_an_empty_stream_means_no_stream() =>
        ExpectedVersion.From(-1).Should().Be(ExpectedVersion.NoStream);

    [Fact]
    public void A_version_means_exactly_that_version() =>
        ExpectedVersion.From(4).Should().Be(ExpectedVersion.Exactly(4));

    [Fact]
    public void An_exact_version_cannot_be_negative()
    {
        var act = () => ExpectedVersion.Exactly(-2);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Category_is_the_stream_id_before_the_first_dash()
    {
        StreamCategory.Of("contact-0193-abc").Should().Be("contact");
        StreamCategory.Of("standalone").Should().Be("standalone");
    }
}
