using EventSourced.Application.Deliveries;
using FluentAssertions;

namespace EventSourced.UnitTests.Messages;

public sealed class RetryDelayTests
{
    private static readonly DeliveryOptions Options = new() { BaseDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(60) };

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(3, 8)]
    [InlineData(10, 60)]
    public void The_ceiling_doubles_per_attempt_up_to_the_maximum(int attempt, double ceilingSeconds) =>
        RetryDelay.After(attempt, null, Options, jitter: 0.999999).TotalSeconds.Should().BeApproximately(ceilingSeconds, 0.001);

    [Fact]
    public void Full_jitter_spreads_the_wait_from_nothing_to_the_ceiling()
    {
        RetryDelay.After(3, null, Options, jitter: 0).Should().Be(TimeSpan.Zero);
        RetryDelay.After(3, null, Options, jitter: 0.5).Should().Be(TimeSpan.FromSeconds(4));
    }

    [Fact]
    public void A_retry_after_from_the_messenger_is_never_cut_short() =>
        RetryDelay.After(1, TimeSpan.FromSeconds(30), Options, jitter: 0.5).Should().Be(TimeSpan.FromSeconds(30));
}
