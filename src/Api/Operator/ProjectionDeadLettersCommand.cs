using System.CommandLine;
using EventSourced.Projections.Runner;

namespace EventSourced.Api.Operator;

/// <summary>`projections dead-letters list|replay|replay-all|discard NAME`: the events a projection parked, as /api/admin/projections/{name}/dead-letters offers them.</summary>
public static class ProjectionDeadLettersCommand
{
    public static Command Create(Func<ServiceProvider> services)
    {
        var name = new Argument<string>("name") { Description = "The projection's name (see projections list)" };
        var limit = new Option<int>("--limit") { Description = "At most this many", DefaultValueFactory = _ => 100 };
        var afterId = new Option<long>("--after") { Description = "After this dead letter, the last one listed: the next page" };
        var list = new Command("list", "Parked events (serving, or being rebuilt) as JSON lines, in the order they were parked: id, generation, position, event id and type, stream, error, when") { name, limit, afterId };
        list.SetAction((parse, ct) => ProjectionsCommand.WithProjectionAsync(services, parse, name, async (provider, projection) =>
        {
            JsonLines.Write(parse.InvocationConfiguration.Output, await provider.GetRequiredService<ProjectionDeadLetters>().ListAsync(projection, parse.GetValue(limit), parse.GetValue(afterId), ct));
            return 0;
        }));

        var id = new Argument<long>("id") { Description = "The dead letter's id" };
        var replay = new Command("replay", "After a fix, project the parked event's stream again in place; applied, the dead letter goes") { name, id };
        replay.SetAction((parse, ct) => ProjectionsCommand.WithProjectionAsync(services, parse, name, async (provider, projection) =>
        {
            var replayed = await provider.GetRequiredService<ProjectionDeadLetters>().ReplayAsync(projection, parse.GetValue(id), ct);
            var done = replayed.Error is null ? $"{replayed.StreamId} projected again from {replayed.EventsApplied} events{(replayed.Resumed ? $"; {projection.Name} goes on" : "")}." : null;
            return DeadLetterExit.Report(parse, replayed.Found, done, replayed.Error);
        }));

        var replayAll = new Command("replay-all", "After a fix, every dead letter: each stream projected again once; exit 4 if some still fail (they stay)") { name };
        replayAll.SetAction((parse, ct) => ProjectionsCommand.WithProjectionAsync(services, parse, name, async (provider, projection) =>
        {
            var replayed = await provider.GetRequiredService<ProjectionDeadLetters>().ReplayAllAsync(projection, ct);
            parse.InvocationConfiguration.Output.WriteLine(
                $"replayed: {replayed.Replayed} from {replayed.Streams} streams projected again, {replayed.StillFailing.Count} still failing{(replayed.Resumed ? $"; {projection.Name} goes on" : "")}");
            foreach (var failing in replayed.StillFailing)
            {
                parse.InvocationConfiguration.Error.WriteLine($"Still cannot be applied: {failing.Id} ({failing.StreamId}): {failing.Error.Split('\n')[0]}");
            }

            return replayed.StillFailing.Count == 0 ? 0 : 4;
        }));

        var discard = new Command("discard", "Drop a dead letter without projecting its event") { name, id };
        discard.SetAction((parse, ct) => ProjectionsCommand.WithProjectionAsync(services, parse, name, async (provider, projection) =>
            DeadLetterExit.Report(parse, await provider.GetRequiredService<ProjectionDeadLetters>().DiscardAsync(projection, parse.GetValue(id), ct), "discarded", null)));

        return new Command("dead-letters", "Events a projection parked: list, replay, replay-all, discard") { list, replay, replayAll, discard };
    }
}
