namespace EventSourced.Infrastructure.Messengers;

/// <summary>Where one messenger's API is and how to authenticate (section Messengers:{Telegram|WhatsApp|Viber}).</summary>
public sealed class MessengerEndpointOptions
{
    public Uri? BaseUrl { get; set; }

    public string Token { get; set; } = "";

    /// <summary>WhatsApp only: the sending phone number's id, part of the Cloud API's path.</summary>
    public string? SenderId { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
