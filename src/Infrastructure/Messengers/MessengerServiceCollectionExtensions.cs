using EventSourced.Application.Deliveries;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EventSourced.Infrastructure.Messengers;

public static class MessengerServiceCollectionExtensions
{
    /// <summary>The three messenger gateways, configured from Messengers:{Telegram|WhatsApp|Viber}.</summary>
    public static IServiceCollection AddMessengerGateways(this IServiceCollection services)
    {
        Add<TelegramGateway>(services, "Telegram", (http, o) => new TelegramGateway(http, o));
        Add<WhatsAppGateway>(services, "WhatsApp", (http, o) => new WhatsAppGateway(http, o));
        Add<ViberGateway>(services, "Viber", (http, o) => new ViberGateway(http, o));
        return services;
    }

    private static void Add<T>(IServiceCollection services, string name, Func<HttpClient, MessengerEndpointOptions, T> create)
        where T : class, IMessengerGateway
    {
        services.AddHttpClient(name);
        services.AddSingleton<IMessengerGateway>(sp =>
        {
            var options = sp.GetRequiredService<IConfiguration>().GetSection($"Messengers:{name}").Get<MessengerEndpointOptions>()
                ?? throw new InvalidOperationException($"Configure Messengers:{name} (BaseUrl and Token).");
            if (options.BaseUrl is null)
            {
                throw new InvalidOperationException($"Messengers:{name}:BaseUrl is missing.");
            }

            // Relative paths are resolved against the base URL, which therefore has to end with a slash.
            options.BaseUrl = options.BaseUrl.AbsoluteUri.EndsWith('/') ? options.BaseUrl : new Uri(options.BaseUrl.AbsoluteUri + "/");
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(name);
            http.Timeout = options.Timeout;
            return create(http, options);
        });
    }
}
