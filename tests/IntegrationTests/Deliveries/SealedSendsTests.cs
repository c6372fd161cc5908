using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EventSourced.Application.Commands;
using EventSourced.Domain.Messages;
using EventSourced.Infrastructure.Deliveries;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace EventSourced.IntegrationTests.Deliveries;

/// <summary>
/// A saga step's sends on a real RabbitMQ carry each recipient's address and own text sealed under
/// the contact's key (ADR 0025): what waits on the broker holds them in no readable form, and a
/// send that reaches the sender after its contact was forgotten does not go out.
/// </summary>
public sealed class SealedSendsTests(RabbitMqDeliveryApi api) : IClassFixture<RabbitMqDeliveryApi>
{
    private readonly HttpClient _alice = api.ClientFor("alice");

    [Fact]
    public async Task A_send_on_the_broker_holds_its_recipients_address_and_name_sealed_and_still_goes_out()
    {
        var u = Guid.NewGuid().ToString("N")[..8];
        var (name, telegram) = ($"Zephyrine Quokka {u}", $"@quokka_{u}");
        await AddContactAsync(name, telegram);
        await using var tap = await Tap.ConnectAsync(Bus);

        var message = await SendAsync("Hello {name}, doors open at 18:00", name);

        await Eventually.HoldsAsync(async () => (await api.Emulator.ReceivedAsync("telegram")).Any(r => r.Recipient == telegram && r.Text == $"Hello {name}, doors open at 18:00"), "the personal text to reach the recipient");
        await Eventually.HoldsAsync(() => Task.FromResult(tap.SendsOf(message).Count > 0), "the send to pass the tap");
        var body = tap.SendsOf(message)[0].Body;
        body.Should().Contain("enc:v2:", "the attempt is sealed").And.Contain("Hello {name}", "the owner's text is not the contact's data");
        body.Should().NotContain(telegram).And.NotContain(name, "neither the address nor the text naming the contact may wait on the broker in clear");
    }

    [Fact]
    public async Task A_send_that_reaches_the_sender_after_its_contact_was_forgotten_does_not_go_out()
    {
        var u = Guid.NewGuid().ToString("N")[..8];
        var (name, telegram) = ($"Forgotten Fenna {u}", $"@fenna_{u}");
        var contact = await AddContactAsync(name, telegram);
        await using var tap = await Tap.ConnectAsync(Bus);
        var message = await SendAsync("Doors open at 18:00", name);
        await Eventually.HoldsAsync(() => Task.FromResult(tap.SendsOf(message).Count > 0 && tap.FinishedOf(message).Count > 0), "the send and its outcome to pass the tap");

        (await _alice.PostAsJsonAsync($"/api/contacts/{contact}/forget", new { reason = "asked to be forgotten" })).StatusCode.Should().Be(HttpStatusCode.OK);
        // The same send once more, as the broker would hand out one that waited through the forgetting.
        await Bus.Publish(tap.SendsOf(message)[0].Message);

        await Eventually.HoldsAsync(() => Task.FromResult(tap.FinishedOf(message).Count > 1), "the sender to answer the send again");
        tap.FinishedOf(message)[1].Outcomes.Should().ContainSingle().Which.Should().Match<DeliverySendFinished>(o => !o.Sent && o.Error == DeliverySender.WithheldError);
        (await api.Emulator.ReceivedAsync("telegram")).Count(r => r.Recipient == telegram).Should().Be(1, "only the send before the forgetting went out");
    }

    [Fact]
    public async Task A_step_whose_contact_was_forgotten_after_it_decided_puts_nothing_on_the_bus()
    {
        var u = Guid.NewGuid().ToString("N")[..8];
        var name = $"Late Lotte {u}";
        var contact = await AddContactAsync(name, $"@lotte_{u}");
        var message = await SendAsync("Doors open at 18:00", name);
        // The message as a step read it before the forgetting, and the attempt it began.
        var (read, _) = await api.Services.GetRequiredService<CommandHandler>().LoadAsync(Message.Decider, Message.StreamId(message), CancellationToken.None);
        var delivery = read.Deliveries.Single();
        DeliveryAttempt[] started = [new(delivery.DeliveryId, 1, delivery.Channel, delivery.Address)];
        var sealedSends = api.Services.GetRequiredService<SealedSends>();
        (await sealedSends.SealAsync(read, started, CancellationToken.None)).Should().NotBeNull();

        (await _alice.PostAsJsonAsync($"/api/contacts/{contact}/forget", new { reason = "asked to be forgotten" })).StatusCode.Should().Be(HttpStatusCode.OK);

        (await sealedSends.SealAsync(read, started, CancellationToken.None)).Should().BeNull("its key is destroyed: the attempt is left to its time-out, then cancelled");
    }

    private IBus Bus => api.Services.GetRequiredService<IBus>();

    private async Task<Guid> AddContactAsync(string name, string telegram) =>
        (await (await _alice.PostAsJsonAsync("/api/contacts", new { name, telegram })).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private async Task<Guid> SendAsync(string text, string contactName) =>
        (await (await _alice.PostAsJsonAsync("/api/messages", new { text, contactNames = new[] { contactName } })).JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetGuid();

    /// <summary>A queue of its own on the node's broker, bound to the sends and their outcomes: each as it travelled, body and all.</summary>
    private sealed class Tap : IAsyncDisposable
    {
        private readonly ConcurrentQueue<(SendSealedDeliveries Message, string Body)> _sends = new();
        private readonly ConcurrentQueue<DeliverySendsFinished> _finished = new();
        private HostReceiveEndpointHandle _handle = null!;

        public static async Task<Tap> ConnectAsync(IBus bus)
        {
            var tap = new Tap();
            tap._handle = bus.ConnectReceiveEndpoint(new TemporaryEndpointDefinition(), KebabCaseEndpointNameFormatter.Instance, e =>
            {
                e.Handler<SendSealedDeliveries>(c =>
                {
                    tap._sends.Enqueue((c.Message, Encoding.UTF8.GetString(c.ReceiveContext.Body.GetBytes())));
                    return Task.CompletedTask;
                });
                e.Handler<DeliverySendsFinished>(c =>
                {
                    tap._finished.Enqueue(c.Message);
                    return Task.CompletedTask;
                });
            });
            await tap._handle.Ready;
            return tap;
        }

        public List<(SendSealedDeliveries Message, string Body)> SendsOf(Guid message) => [.. _sends.Where(s => s.Message.MessageId == message)];

        public List<DeliverySendsFinished> FinishedOf(Guid message) => [.. _finished.Where(f => f.MessageId == message)];

        public async ValueTask DisposeAsync() => await _handle.StopAsync();
    }
}
