using EventSourced.Application.Deliveries;
using EventSourced.Domain.Messages;
using EventSourced.Infrastructure.Messengers;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EventSourced.IntegrationTests.Deliveries;

/// <summary>The gateways against the emulator over real HTTP: outcomes, idempotency keys, retry hints.</summary>
public sealed class MessengerGatewayTests : IAsyncLifetime
{
    private EmulatorServer _emulator = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorServer.StartAsync(o => o.WhatsApp.FailuresBeforeSuccess = 2);
        _services = Gateways(_emulator.Endpoint("telegram"), _emulator.Endpoint("whatsapp"), _emulator.Endpoint("viber"));
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    [Fact]
    public async Task A_telegram_send_arrives_once_even_when_the_same_delivery_is_sent_twice()
    {
        var message = new OutgoingMessage(Guid.NewGuid(), Channel.Telegram, "@artem_ivanov", "Doors open at 18:00");

        var first = await Gateway(Channel.Telegram).SendAsync(message, CancellationToken.None);
        var again = await Gateway(Channel.Telegram).SendAsync(message, CancellationToken.None);

        first.Should().BeOfType<SendOutcome.Sent>().Which.ProviderMessageId.Should().NotBeNullOrEmpty();
        again.Should().Be(first);
        var received = await _emulator.ReceivedAsync("telegram");
        received.Should().ContainSingle(r => r.IdempotencyKey == message.DeliveryId.ToString())
            .Which.Should().Match<EventSourced.Api.Emulator.EmulatedRequest>(r => r.Recipient == "@artem_ivanov" && r.Text == "Doors open at 18:00");
    }

    [Fact]
    public async Task Server_errors_are_transient_until_the_messenger_recovers()
    {
        var message = new OutgoingMessage(Guid.NewGuid(), Channel.WhatsApp, "+4915112345678", "Hi");

        var outcomes = new List<SendOutcome>();
        for (var i = 0; i < 3; i++)
        {
            outcomes.Add(await Gateway(Channel.WhatsApp).SendAsync(message, CancellationToken.None));
        }

        outcomes[0].Should().BeOfType<SendOutcome.Transient>().Which.Error.Should().StartWith("503");
        outcomes[1].Should().BeOfType<SendOutcome.Transient>();
        outcomes[2].Should().BeOfType<SendOutcome.Sent>();
    }

    [Fact]
    public async Task Viber_always_fails_transiently_an_unknown_chat_fails_for_good_and_429_carries_its_retry_after()
    {
        var viber = await Gateway(Channel.Viber).SendAsync(new OutgoingMessage(Guid.NewGuid(), Channel.Viber, "olga", "Hi"), CancellationToken.None);
        var unknown = await Gateway(Channel.Telegram).SendAsync(new OutgoingMessage(Guid.NewGuid(), Channel.Telegram, "@unknown_chat", "Hi"), CancellationToken.None);
        var throttled = await Gateway(Channel.Telegram).SendAsync(new OutgoingMessage(Guid.NewGuid(), Channel.Telegram, "@ratelimited_chat", "Hi"), CancellationToken.None);

        viber.Should().BeOfType<SendOutcome.Transient>();
        unknown.Should().BeOfType<SendOutcome.Permanent>().Which.Error.Should().Contain("chat not found");
        throttled.Should().BeOfType<SendOutcome.Transient>().Which.RetryAfter.Should().Be(TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task A_messenger_that_cannot_be_reached_is_a_transient_failure()
    {
        await using var unreachable = Gateways(new Uri("http://127.0.0.1:9/"), new Uri("http://127.0.0.1:9/"), new Uri("http://127.0.0.1:9/"));
        var gateway = unreachable.GetServices<IMessengerGateway>().Single(g => g.Channel == Channel.Telegram);

        var outcome = await gateway.SendAsync(new OutgoingMessage(Guid.NewGuid(), Channel.Telegram, "@artem_ivanov", "Hi"), CancellationToken.None);

        outcome.Should().BeOfType<SendOutcome.Transient>().Which.Error.Should().StartWith("network");
    }

    private IMessengerGateway Gateway(Channel channel) => _services.GetServices<IMessengerGateway>().Single(g => g.Channel == channel);

    private static ServiceProvider Gateways(Uri telegram, Uri whatsApp, Uri viber)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Messengers:Telegram:BaseUrl"] = telegram.ToString(),
            ["Messengers:Telegram:Token"] = "t",
            ["Messengers:WhatsApp:BaseUrl"] = whatsApp.ToString(),
            ["Messengers:WhatsApp:Token"] = "w",
            ["Messengers:WhatsApp:SenderId"] = "100200300",
            ["Messengers:Viber:BaseUrl"] = viber.ToString(),
            ["Messengers:Viber:Token"] = "v",
        }).Build();
        return new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddMessengerGateways().BuildServiceProvider();
    }
}
