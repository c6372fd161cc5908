using EventSourced.Application.Deliveries;
using EventSourced.Domain.Messages;

namespace EventSourced.Infrastructure.Messengers;

/// <summary>
/// A messenger without configuration: its deliveries fail at once with a reason an operator can
/// act on (configure it, then redeliver), and the other messengers keep working.
/// </summary>
public sealed class UnconfiguredGateway(Channel channel) : IMessengerGateway
{
    public Channel Channel => channel;

    public Task<SendOutcome> SendAsync(OutgoingMessage message, CancellationToken ct) =>
        Task.FromResult<SendOutcome>(new SendOutcome.Permanent($"Messengers:{channel}:BaseUrl is not configured."));
}
