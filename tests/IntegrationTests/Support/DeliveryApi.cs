using Microsoft.AspNetCore.Hosting;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// The API host sending deliveries to a messenger emulator on loopback, with short retry delays:
/// WhatsApp fails each delivery's first two attempts, Viber always fails, Telegram works.
/// </summary>
public sealed class DeliveryApi : EmptyStoreApi
{
    private bool _ownsDatabase = true;

    public EmulatorServer Emulator { get; private set; } = null!;

    /// <summary>Another node (or a restarted one) over the same database and emulator; its owner disposes those.</summary>
    public static DeliveryApi Over(TestDatabase database, EmulatorServer emulator) =>
        new() { Database = database, Emulator = emulator, _ownsDatabase = false };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Emulator = await EmulatorServer.StartAsync(o => o.WhatsApp.FailuresBeforeSuccess = 2);
    }

    public override async Task DisposeHostAndDatabaseAsync()
    {
        if (!_ownsDatabase)
        {
            await DisposeAsync();
            return;
        }

        await base.DisposeHostAndDatabaseAsync();
        await Emulator.DisposeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Deliveries:Enabled", "true");
        builder.UseSetting("Deliveries:MaxAttempts", "3");
        builder.UseSetting("Deliveries:BaseDelay", "00:00:00.050");
        builder.UseSetting("Deliveries:PollInterval", "00:00:00.050");
        builder.UseSetting("Deliveries:AttemptTimeout", "00:00:05");
        foreach (var (name, sender) in new[] { ("Telegram", ""), ("WhatsApp", "100200300"), ("Viber", "") })
        {
            builder.UseSetting($"Messengers:{name}:BaseUrl", Emulator.Endpoint(name.ToLowerInvariant()).ToString());
            builder.UseSetting($"Messengers:{name}:Token", $"test-{name}");
            builder.UseSetting($"Messengers:{name}:SenderId", sender);
        }
    }
}
