using Confluent.Kafka;
using EventSourced.Infrastructure.Tickets.Kafka;
using FluentAssertions;

namespace EventSourced.UnitTests.Tickets;

/// <summary>The mock cluster has no SASL: the production settings are checked as what reaches librdkafka, and missing secrets fail at start.</summary>
public sealed class KafkaOptionsTests
{
    private static KafkaOptions Production(string? password = "s3cret", string? ca = null) => new()
    {
        BootstrapServers = "rc1a-kafka.example:9091",
        SecurityProtocol = SecurityProtocol.SaslSsl,
        SaslMechanism = SaslMechanism.ScramSha512,
        SaslUsername = "eventsourced",
        SaslPassword = password,
        SslCaLocation = ca ?? typeof(KafkaOptionsTests).Assembly.Location, // a file that exists
        GroupId = "tickets",
    };

    [Fact]
    public void Sasl_ssl_with_scram_and_the_providers_ca_reaches_librdkafka_with_commits_by_hand()
    {
        var config = Production().ToConsumerConfig();

        (config.SecurityProtocol, config.SaslMechanism, config.SaslUsername, config.SaslPassword).Should().Be((SecurityProtocol.SaslSsl, SaslMechanism.ScramSha512, "eventsourced", "s3cret"));
        config.SslCaLocation.Should().Be(typeof(KafkaOptionsTests).Assembly.Location);
        (config.EnableAutoCommit, config.EnableAutoOffsetStore, config.AutoOffsetReset).Should().Be((false, false, AutoOffsetReset.Earliest));
        config.Get("sasl.mechanism").Should().Be("SCRAM-SHA-512");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_missing_password_fails_at_start_naming_it(string? password) =>
        FluentActions.Invoking(() => Production(password).ToConsumerConfig()).Should().Throw<InvalidOperationException>().WithMessage("*SaslPassword*");

    [Fact]
    public void A_ca_file_that_does_not_exist_fails_at_start_naming_it() =>
        FluentActions.Invoking(() => Production(ca: "/etc/ssl/no-such-provider-ca.pem").ToConsumerConfig()).Should().Throw<InvalidOperationException>().WithMessage("*/etc/ssl/no-such-provider-ca.pem*");

    [Fact]
    public void No_bootstrap_servers_fails_at_start() =>
        FluentActions.Invoking(() => new KafkaOptions().ToConsumerConfig()).Should().Throw<InvalidOperationException>().WithMessage("*BootstrapServers*");
}
