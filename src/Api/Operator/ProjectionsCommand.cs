using System.CommandLine;
using System.Globalization;
using EventSourced.Infrastructure;
using EventSourced.Projections;
using EventSourced.Projections.Runner;

namespace EventSourced.Api.Operator;

/// <summary>`projections list` and `projections status`: the same facts as GET /api/admin/projections.</summary>
public static class ProjectionsCommand
{
    public static Command Create()
    {
        var list = new Command("list", "The registered projections and their versions");
        list.SetAction(async (_, ct) =>
        {
            await using var services = Services();
            foreach (var projection in services.GetRequiredService<ProjectionStatusQueries>().Registered)
            {
                Console.WriteLine($"{projection.Name,-24} v{projection.Version}");
            }

            return 0;
        });

        var status = new Command("status", "Checkpoint, lag in events and seconds, state and dead letters of every projection");
        status.SetAction(async (_, ct) =>
        {
            await using var services = Services();
            var rows = await services.GetRequiredService<ProjectionStatusQueries>().AllAsync(ct);
            Console.WriteLine($"{"projection",-24}{"ver",5}{"gen",5} {"state",-9}{"checkpoint",20}{"lag",8}{"lag s",10}{"dead",6}");
            foreach (var r in rows)
            {
                var state = r.Stopped ? "stopped" : r.Serving ? "serving" : "building";
                var lag = r.LagEvents >= ProjectionStatusQueries.LagCountLimit ? $"{r.LagEvents}+" : r.LagEvents.ToString(CultureInfo.InvariantCulture);
                Console.WriteLine($"{r.Name,-24}{r.Version,5}{r.Generation,5} {state,-9}{r.Position,20}{lag,8}{r.LagSeconds,10:F1}{r.DeadLetters,6}");
            }

            return 0;
        });

        var name = new Argument<string>("name") { Description = "The projection's name (see projections list)" };
        var rebuild = new Command("rebuild", "Rebuild a projection beside the serving one; it swaps in once caught up (the service must be running)") { name };
        rebuild.SetAction(async (parse, ct) =>
        {
            await using var services = Services();
            var operations = services.GetRequiredService<ProjectionOperations>();
            if (operations.Find(parse.GetValue(name)!) is not { } projection)
            {
                Console.Error.WriteLine($"There is no projection '{parse.GetValue(name)}'.");
                return 2;
            }

            var generation = await operations.RebuildAsync(projection, ct);
            Console.WriteLine($"Building {projection.Name} generation {generation.Number}; it serves once caught up.");
            await FollowAsync(services.GetRequiredService<ProjectionStatusQueries>(), projection.Name, generation.Number, ct);
            return 0;
        });

        var reset = new Command("reset", "Let a projection stopped by a poison event go on") { name };
        reset.SetAction(async (parse, ct) =>
        {
            await using var services = Services();
            var operations = services.GetRequiredService<ProjectionOperations>();
            if (operations.Find(parse.GetValue(name)!) is not { } projection)
            {
                Console.Error.WriteLine($"There is no projection '{parse.GetValue(name)}'.");
                return 2;
            }

            await operations.ResetAsync(projection, ct);
            Console.WriteLine($"{projection.Name} will go on within a second.");
            return 0;
        });

        return new Command("projections", "Read models: list, status, rebuild, reset") { list, status, rebuild, reset };
    }

    /// <summary>Prints the build's progress (events behind, checkpoint) every second until the new generation serves.</summary>
    private static async Task FollowAsync(ProjectionStatusQueries queries, string projection, int generation, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!ct.IsCancellationRequested)
        {
            var row = (await queries.AllAsync(ct)).FirstOrDefault(r => r.Name == projection && r.Generation == generation);
            if (row is null || row.Serving)
            {
                Console.WriteLine($"Generation {generation} serves {projection} after {clock.Elapsed.TotalSeconds:F1} s.");
                return;
            }

            Console.WriteLine($"  {row.LagEvents,8} events behind, checkpoint {row.Position}, {clock.Elapsed.TotalSeconds:F0} s");
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    // The same services as the host, without starting it: no runner, no migration.
    private static ServiceProvider Services()
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(TimeProvider.System)
            .AddLogging();
        services.AddPostgresEventStore();
        services.AddUseCases();
        services.AddProjections();
        return services.BuildServiceProvider();
    }
}
