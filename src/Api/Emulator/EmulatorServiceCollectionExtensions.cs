namespace EventSourced.Api.Emulator;

public static class EmulatorServiceCollectionExtensions
{
    public static IServiceCollection AddMessengerEmulator(this IServiceCollection services)
    {
        services.AddOptions<EmulatorOptions>().BindConfiguration("Emulator");
        services.AddSingleton<EmulatorLog>();
        services.AddSingleton<EmulatedPlatform>();
        return services;
    }
}
