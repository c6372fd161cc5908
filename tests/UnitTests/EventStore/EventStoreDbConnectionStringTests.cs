using EventSourced.Infrastructure.EventStoreDb;
using FluentAssertions;

namespace EventSourced.UnitTests.EventStore;

public sealed class EventStoreDbConnectionStringTests
{
    [Fact]
    public void Tls_is_on_unless_turned_off_and_the_port_defaults_to_2113()
    {
        EventStoreDbConnectionString.Parse("esdb://db.example:2113").Address.Should().Be(new Uri("https://db.example:2113/"));
        EventStoreDbConnectionString.Parse("esdb://localhost?tls=false").Address.Should().Be(new Uri("http://localhost:2113/"));
    }

    [Fact]
    public void Credentials_certificate_checks_and_deadline_come_from_the_string()
    {
        var settings = EventStoreDbConnectionString.Parse("esdb://admin:chan%40geit@node1:2114,node2:2114?tls=true&tlsVerifyCert=false&defaultDeadline=2500");

        settings.Address.Should().Be(new Uri("https://node1:2114/"));
        settings.Authorization!.Scheme.Should().Be("Basic");
        System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(settings.Authorization.Parameter!)).Should().Be("admin:chan@geit");
        settings.VerifyCertificate.Should().BeFalse();
        settings.DefaultDeadline.Should().Be(TimeSpan.FromMilliseconds(2500));
    }

    [Theory]
    [InlineData("http://localhost:2113")]
    [InlineData("esdb://")]
    public void Anything_else_is_refused(string connectionString) =>
        FluentActions.Invoking(() => EventStoreDbConnectionString.Parse(connectionString)).Should().Throw<FormatException>();
}
