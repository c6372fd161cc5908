using EventSourced.Domain.Deploys;
using FluentAssertions;

namespace EventSourced.UnitTests.Deploys;

public sealed class DeployTimelineTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);

    private static RecordDeploy Record(string version = "1.2.3", DeployStatus status = DeployStatus.Deploying, string? comment = "RASP-123 and RASP-7: fix", params DeployHandler[] handlers) =>
        new("rasp.api", "production", version, status, comment, "api", handlers.Length == 0 ? [DeployHandler.Log] : handlers, "ci", At);

    private static IReadOnlyList<DeployStatusReported> Decide(RecordDeploy command, params DeployStatusReported[] given) =>
        DeployTimeline.Decider.Decide(command, DeployTimeline.Decider.Fold(given));

    [Fact]
    public void A_report_records_the_status_with_the_ticket_keys_of_its_comment()
    {
        var reported = Decide(Record(handlers: [DeployHandler.Tracker, DeployHandler.Telegram, DeployHandler.Tracker])).Should().ContainSingle().Subject;

        reported.TicketKeys.Should().Equal("RASP-123", "RASP-7");
        reported.Handlers.Should().Equal(DeployHandler.Tracker, DeployHandler.Telegram);
        reported.Status.Should().Be(DeployStatus.Deploying);
    }

    [Fact]
    public void The_same_status_of_the_same_version_reported_twice_is_recorded_once()
    {
        var first = Decide(Record())[0];

        Decide(Record(), first).Should().BeEmpty();
        Decide(Record(status: DeployStatus.Deployed), first).Should().ContainSingle();
        Decide(Record(version: "1.2.4"), first).Should().ContainSingle();
    }

    [Theory]
    [InlineData("RASP-123", new[] { "RASP-123" })]
    [InlineData("fixes rasp-1 and X-1", new string[0])]
    [InlineData("ABC-1, ABC-1, DEF2-30", new[] { "ABC-1", "DEF2-30" })]
    [InlineData(null, new string[0])]
    public void Ticket_keys_are_upper_case_project_dash_number(string? comment, string[] keys) =>
        DeployTimeline.TicketKeysIn(comment).Should().Equal(keys);

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("-leading")]
    public void Bad_names_are_refused(string application) =>
        FluentActions.Invoking(() => Decide(Record() with { Application = application })).Should().Throw<InvalidDeployException>();
}
