using System.CommandLine;
using EventSourced.Api.Deliveries;
using EventSourced.Application.Commands;
using EventSourced.Cli;
using EventSourced.Projections.Messages;

namespace EventSourced.Api.Operator;

/// <summary>`deliveries failed|redeliver|discard --owner ID`: an owner's failed queue, as the REST endpoints offer it to the owner.</summary>
public static class DeliveriesCommand
{
    public static Command Create(Func<ServiceProvider> services)
    {
        var owner = new Option<string>("--owner") { Description = "Whose failed deliveries (the user id)", Required = true };
        var list = new Command("failed", "List an owner's failed deliveries as JSON lines") { owner };
        list.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            JsonLines.Write(parse.InvocationConfiguration.Output, await provider.GetRequiredService<MessageQueries>().FailedAsync(parse.GetValue(owner)!, int.MaxValue, 0, ct));

            return 0;
        });

        return new Command("deliveries", "The failed-delivery queue: list, redeliver, discard")
        {
            list,
            Act("redeliver", "Send failed deliveries again with their attempts reset", owner, services, (q, o, ids, c, ct) => q.RedeliverAsync(o, ids, c, ct)),
            Act("discard", "Drop failed deliveries for good", owner, services, (q, o, ids, c, ct) => q.DiscardAsync(o, ids, c, ct)),
        };
    }

    private static Command Act(
        string name, string description, Option<string> owner, Func<ServiceProvider> services,
        Func<FailedQueue, string, IReadOnlyCollection<Guid>?, CommandContext, CancellationToken, Task<FailedDeliveriesResponse>> act)
    {
        var ids = new Option<Guid[]>("--delivery") { Description = "A delivery id (repeat for more)", AllowMultipleArgumentsPerToken = true }.IdsOnly();
        var all = new Option<bool>("--all") { Description = "Every failed delivery of the owner" };
        var command = new Command(name, description) { owner, ids, all };
        command.SetAction(async (parse, ct) =>
        {
            var chosen = parse.GetValue(ids) ?? [];
            if (parse.GetValue(all) == (chosen.Length > 0))
            {
                parse.InvocationConfiguration.Error.WriteLine("Name deliveries with --delivery, or use --all (not both).");
                return 2;
            }

            await using var provider = services();
            // Audited as the operator's doing, under a correlation id of its own.
            var context = new CommandContext("operator", $"cli-{Guid.NewGuid():N}", null);
            var result = await act(provider.GetRequiredService<FailedQueue>(), parse.GetValue(owner)!, parse.GetValue(all) ? null : chosen, context, ct);
            parse.InvocationConfiguration.Output.WriteLine($"{name}: {result.Done.Count} done, {result.NotFailed.Count} not in the failed queue.");
            return 0;
        });
        return command;
    }
}
