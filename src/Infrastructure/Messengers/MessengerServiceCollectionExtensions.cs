using EventSourced.Application.Deliveries;
using EventSourced.Domain.Messages;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EventSourced.Infrastructure.Messengers;

public static class MessengerServiceCollectionExtensions
{
    /// <summary>
    /// A gateway per channel: the three messengers and the deploy outlets, configured from
    /// Messengers:{Telegram|WhatsApp|Viber|Tracker|LoadTest}; the log needs no configuration.
    /// </summary>
    public static IServiceCollection AddMessengerGateways(this IServiceCollection services)
    {
        Add(services, Channel.Telegram, (http, o) => new TelegramGateway(http, o));
        Add(services, Channel.WhatsApp, (http, o) => new WhatsAppGateway(http, o));
        Add(services, Channel.Viber, (http, o) => new ViberGateway(http, o));
        Add(services, Channel.Tracker, (http, o) => new TrackerGateway(http, o));
        Add(services, Channel.LoadTest, (http, o) => new LoadTestGateway(http, o));
        services.AddSingleton<IMessengerGateway, LogGateway>();
        return services;
    }

    private static void Add(IServiceCollection services, Channel channel, Func<HttpClient, MessengerEndpointOptions, IMessengerGateway> create)
    {
        var name = channel.ToString();
        // The factory's request logging writes whole URLs, and the Telegram Bot API has its token in the path.
        services.AddHttpClient(name).RemoveAllLoggers();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IConfiguration>().GetSection($"Messengers:{name}").Get<MessengerEndpointOptions>();
            if (options?.BaseUrl is null)
            {
                return new UnconfiguredGateway(channel);
            }

            // Relative paths are resolved against the base URL, which therefore has to end with a slash.
            options.BaseUrl = options.BaseUrl.AbsoluteUri.EndsWith('/') ? options.BaseUrl : new Uri(options.BaseUrl.AbsoluteUri + "/");
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(name);
            http.Timeout = options.Timeout;
            return create(http, options);
        });
    }
}
