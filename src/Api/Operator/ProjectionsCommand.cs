using System.CommandLine;
using System.Globalization;
using EventSourced.Projections.Runner;

namespace EventSourced.Api.Operator;

/// <summary>`projections list|status|rebuild|reset|dead-letters`: the same operations as /api/admin/projections.</summary>
public static class ProjectionsCommand
{
    public static Command Create(Func<ServiceProvider> services)
    {
        var list = new Command("list", "The registered projections and their versions");
        list.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            foreach (var projection in provider.GetRequiredService<ProjectionStatusQueries>().Registered)
            {
                parse.InvocationConfiguration.Output.WriteLine($"{projection.Name,-24} v{projection.Version}");
            }

            return 0;
        });

        var status = new Command("status", "Checkpoint, events applied, lag in events and seconds, state, dead letters and nodes running its version, of every projection; then each reactor's checkpoint and lag");
        status.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            var output = parse.InvocationConfiguration.Output;
            var queries = provider.GetRequiredService<ProjectionStatusQueries>();
            output.WriteLine($"{"projection",-24}{"ver",5}{"gen",5} {"state",-9}{"checkpoint",20}{"applied",12}{"lag",8}{"lag s",10}{"dead",6}{"nodes",7}");
            foreach (var r in await queries.AllAsync(ct))
            {
                var state = r.Stopped ? "stopped" : r.Serving ? "serving" : "building";
                output.WriteLine($"{r.Name,-24}{r.Version,5}{r.Generation,5} {state,-9}{r.Position,20}{r.Processed,12}{Lag(r.LagEvents),8}{r.LagSeconds,10:F1}{r.DeadLetters,6}{r.NodesRunning,7}");
            }

            // Reactors act on events (chats handed over, deploy notifications): one stuck shows here.
            output.WriteLine();
            output.WriteLine($"{"reactor",-43}{"checkpoint",20}{"lag",20}{"lag s",10}");
            foreach (var r in await queries.ReactorsAsync(ct))
            {
                output.WriteLine($"{r.Name,-43}{r.Position,20}{Lag(r.LagEvents),20}{r.LagSeconds,10:F1}");
                if (r.Failing is { } failing)
                {
                    output.WriteLine($"  failing at position {failing.Position} since {failing.Since:O}, {failing.Attempts} tries: {failing.Error}");
                }
            }

            return 0;
        });

        var name = new Argument<string>("name") { Description = "The projection's name (see projections list)" };
        var stream = new Option<string?>("--stream") { Description = "Project just this stream again, in place (for example contacts-alice)" };
        var rebuild = new Command("rebuild", "Rebuild a projection beside the serving one; it swaps in once caught up (the service must be running)") { name, stream };
        rebuild.SetAction((parse, ct) => WithProjectionAsync(services, parse, name, async (provider, projection) =>
        {
            var operations = provider.GetRequiredService<ProjectionOperations>();
            var output = parse.InvocationConfiguration.Output;
            Generation generation;
            try
            {
                if (parse.GetValue(stream) is { } streamId)
                {
                    var applied = await operations.RebuildStreamAsync(projection, streamId, ct);
                    output.WriteLine($"{projection.Name}: {streamId} projected again from {applied} events.");
                    return 0;
                }

                generation = await operations.RebuildAsync(projection, ct);
            }
            catch (InvalidOperationException e)
            {
                parse.InvocationConfiguration.Error.WriteLine(e.Message);
                return 2;
            }

            output.WriteLine($"Building {projection.Name} generation {generation.Number}; it serves once caught up.");
            var elapsed = await RebuildProgress.FollowAsync(provider.GetRequiredService<ProjectionStatusQueries>(), projection.Name, generation.Number, output, ct);
            output.WriteLine($"Generation {generation.Number} serves {projection.Name} after {elapsed.TotalSeconds:F1} s.");
            return 0;
        }));

        var reset = new Command("reset", "Let a projection stopped by a poison event go on") { name };
        reset.SetAction((parse, ct) => WithProjectionAsync(services, parse, name, async (provider, projection) =>
        {
            await provider.GetRequiredService<ProjectionOperations>().ResetAsync(projection, ct);
            parse.InvocationConfiguration.Output.WriteLine($"{projection.Name} will go on within a second.");
            return 0;
        }));

        return new Command("projections", "Read models: list, status, rebuild, reset, dead-letters") { list, status, rebuild, reset, ProjectionDeadLettersCommand.Create(services) };
    }

    /// <summary>Runs <paramref name="action"/> on the projection the command names; exit 2 when there is none of that name.</summary>
    internal static async Task<int> WithProjectionAsync(Func<ServiceProvider> services, ParseResult parse, Argument<string> name, Func<ServiceProvider, IProjection, Task<int>> action)
    {
        await using var provider = services();
        if (provider.GetRequiredService<ProjectionOperations>().Find(parse.GetValue(name)!) is not { } projection)
        {
            parse.InvocationConfiguration.Error.WriteLine($"There is no projection '{parse.GetValue(name)}'.");
            return 2;
        }

        return await action(provider, projection);
    }

    private static string Lag(int events) => events >= ProjectionStatusQueries.LagCountLimit ? $"{events}+" : events.ToString(CultureInfo.InvariantCulture);
}
