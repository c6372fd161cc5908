using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// The API host sending deliveries to a messenger emulator on loopback, with short retry delays:
/// WhatsApp fails each delivery's first two attempts, Viber always fails, Telegram works. The
/// delivery saga runs on the in-memory bus.
/// </summary>
public class DeliveryApi : EmptyStoreApi
{
    /// <summary>False for another node over the owner's database (and virtual host): their owner disposes those.</summary>
    private bool OwnsDatabase { get; set; } = true;

    public EmulatorServer Emulator { get; private set; } = null!;

    /// <summary>How far this node's clock is ahead of the machine's: a node that comes back later.</summary>
    private TimeSpan ClockAhead { get; set; }

    /// <summary>
    /// Another node (or a restarted one) of the same kind over a database and emulator; their owner
    /// disposes those. With <paramref name="clockAhead"/>, it runs that much later than now, so a
    /// test need not race a real clock for something to come due while no node ran.
    /// </summary>
    public DeliveryApi Over(TestDatabase database, EmulatorServer emulator, TimeSpan clockAhead = default)
    {
        var node = NewNode();
        node.Database = database;
        node.Emulator = emulator;
        node.OwnsDatabase = false;
        node.ClockAhead = clockAhead;
        return node;
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Emulator = await EmulatorServer.StartAsync(o => o.WhatsApp.FailuresBeforeSuccess = 2);
    }

    public override async Task DisposeHostAndDatabaseAsync()
    {
        if (!OwnsDatabase)
        {
            await DisposeAsync();
            return;
        }

        await base.DisposeHostAndDatabaseAsync();
        await Emulator.DisposeAsync();
    }

    protected virtual DeliveryApi NewNode() => new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Deliveries:Enabled", "true");
        builder.UseSetting("Deliveries:MaxAttempts", "3");
        builder.UseSetting("Deliveries:BaseDelay", "00:00:00.050");
        builder.UseSetting("Deliveries:PollInterval", "00:00:00.050");
        builder.UseSetting("Deliveries:AttemptTimeout", "00:00:05");
        foreach (var (name, sender) in new[] { ("Telegram", ""), ("WhatsApp", "100200300"), ("Viber", ""), ("Tracker", ""), ("LoadTest", "") })
        {
            builder.UseSetting($"Messengers:{name}:BaseUrl", Emulator.Endpoint(name.ToLowerInvariant()).ToString());
            builder.UseSetting($"Messengers:{name}:Token", $"test-{name}");
            builder.UseSetting($"Messengers:{name}:SenderId", sender);
        }

        // Deploys notify a test chat, with the Telegram text from an overriding template, and the
        // emulated platform's status is polled.
        builder.UseSetting("Deploys:Notifications:TelegramChatId", "-1001");
        builder.UseSetting("Deploys:Templates:Telegram", "{{application}}@{{version}} is {{status}} in {{environment}}{{#each ticketKeys}} #{{this}}{{/each}}");
        builder.UseSetting("Deploys:Polling:Url", new Uri(Emulator.BaseUrl, "platform/environments").ToString());
        builder.UseSetting("Deploys:Polling:Interval", "00:00:00.100");
        builder.UseSetting("Deploys:Polling:Handlers:0", "loadtest");
        if (ClockAhead != TimeSpan.Zero)
        {
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(new AheadClock(ClockAhead)));
        }
    }

    private sealed class AheadClock(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + ahead;
    }
}

/// <summary>
/// The same over a real RabbitMQ (started by scripts/test.sh), in a virtual host per database so
/// that test classes running side by side never take each other's messages.
/// </summary>
public sealed class RabbitMqDeliveryApi : DeliveryApi
{
    protected override DeliveryApi NewNode() => new RabbitMqDeliveryApi();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Deliveries:Transport", "RabbitMq");
        builder.UseSetting("ConnectionStrings:RabbitMq", RabbitMq.Uri(RabbitMq.VirtualHostOf(Database)));
    }
}
