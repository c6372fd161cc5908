using EventSourced.Application.Deliveries;
using EventSourced.Domain.Messages;
using Microsoft.Extensions.Logging;

namespace EventSourced.Infrastructure.Messengers;

/// <summary>The log handler: the notification is written to the service's log, which always takes it.</summary>
public sealed partial class LogGateway(ILogger<LogGateway> logger) : IMessengerGateway
{
    public Channel Channel => Channel.Log;

    public Task<SendOutcome> SendAsync(OutgoingMessage message, CancellationToken ct)
    {
        LogNotification(logger, message.DeliveryId, message.Text);
        return Task.FromResult<SendOutcome>(new SendOutcome.Sent(null));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification {DeliveryId}: {Text}")]
    private static partial void LogNotification(ILogger logger, Guid deliveryId, string text);
}
