using System.CommandLine;
using EventSourced.Api.Deliveries;
using EventSourced.Application.Commands;
using EventSourced.Cli;
using EventSourced.Domain.Messages;
using EventSourced.Projections.Deliveries;
using EventSourced.Projections.Messages;

namespace EventSourced.Api.Operator;

/// <summary>
/// `deliveries backlog|overdue`: what waits to go out; `deliveries failed|redeliver|discard [--owner ID]
/// [--channel C] [--failed-since T]`: the failed queue, an owner's or every owner's (after a
/// messenger's outage), as the REST endpoints offer them.
/// </summary>
public static class DeliveriesCommand
{
    private sealed record FilterOptions(Option<string?> Owner, Option<string?> Channel, Option<DateTimeOffset?> FailedSince)
    {
        public FailedDeliveryFilter Read(ParseResult parse) => FailedDeliveryFilter.Of(parse.GetValue(Owner), parse.GetValue(Channel), parse.GetValue(FailedSince));
    }

    public static Command Create(Func<ServiceProvider> services)
    {
        var filter = new FilterOptions(
            new Option<string?>("--owner") { Description = "Whose failed deliveries (the user id); every owner's if left out" },
            ChannelOption(),
            new Option<DateTimeOffset?>("--failed-since") { Description = "Only those that failed at or after this moment (ISO 8601)" });
        var list = new Command("failed", "List failed deliveries as JSON lines, oldest failure first") { filter.Owner, filter.Channel, filter.FailedSince };
        list.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            JsonLines.Write(parse.InvocationConfiguration.Output, await provider.GetRequiredService<MessageQueries>().FailedAsync(filter.Read(parse), int.MaxValue, 0, after: null, ct));

            return 0;
        });

        return new Command("deliveries", "What waits to go out (backlog), and the failed-delivery queue: list, redeliver, discard")
        {
            Backlog(services),
            Overdue(services),
            list,
            Act("redeliver", "Send failed deliveries again with their attempts reset", filter, services, (q, f, ids, c, ct) => q.RedeliverAsync(f, ids, c, ct)),
            Act("discard", "Drop failed deliveries for good", filter, services, (q, f, ids, c, ct) => q.DiscardAsync(f, ids, c, ct)),
        };
    }

    /// <summary>`deliveries backlog`: GET /api/admin/deliveries/backlog as a table, a messenger a line, then all.</summary>
    private static Command Backlog(Func<ServiceProvider> services)
    {
        var backlog = new Command("backlog", "Every owner's deliveries by messenger: due now and how long the oldest has waited, held, in flight, retrying, scheduled, failed");
        backlog.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            var now = provider.GetRequiredService<TimeProvider>().GetUtcNow();
            var read = await provider.GetRequiredService<DeliveryScheduleQueries>().BacklogAsync(now, ct);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"{"channel",-10}{"due",8}{"oldest due s",14}{"held",8}{"in flight",11}{"retrying",10}{"scheduled",11}{"failed",8}");
            foreach (var r in read.Channels.Append(read.Total with { Channel = "all" }))
            {
                output.WriteLine($"{r.Channel ?? "unknown",-10}{r.Due,8}{r.OldestDueFor(read.AsOf).TotalSeconds,14:F0}{r.Held,8}{r.InFlight,11}{r.Retrying,10}{r.Scheduled,11}{r.Failed,8}");
            }

            return 0;
        });
        return backlog;
    }

    /// <summary>`deliveries overdue [--channel C] [--limit N]`: GET /api/admin/deliveries/overdue as JSON lines.</summary>
    private static Command Overdue(Func<ServiceProvider> services)
    {
        var channel = ChannelOption();
        var limit = new Option<int>("--limit") { Description = "How many, the longest-waiting first", DefaultValueFactory = _ => 100 };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError("--limit is 1 or more.");
            }
        });
        var overdue = new Command("overdue", "Deliveries due and not yet taken up (held ones too), the longest-waiting first, as JSON lines: which messages to look at") { channel, limit };
        overdue.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            var now = provider.GetRequiredService<TimeProvider>().GetUtcNow();
            var filter = FailedDeliveryFilter.Of(null, parse.GetValue(channel), null);
            JsonLines.Write(parse.InvocationConfiguration.Output, await provider.GetRequiredService<DeliveryScheduleQueries>().OverdueAsync(now, filter.Channel, parse.GetValue(limit), ct));
            return 0;
        });
        return overdue;
    }

    private static Option<string?> ChannelOption() =>
        new Option<string?>("--channel") { Description = "Only those on this messenger (telegram, whatsapp, viber, log, tracker, loadtest)" }
            .AcceptOnlyFromAmong([.. FailedDeliveryFilter.Channels, .. Enum.GetNames<Channel>()]);

    private static Command Act(
        string name, string description, FilterOptions filter, Func<ServiceProvider> services,
        Func<FailedQueue, FailedDeliveryFilter, IReadOnlyCollection<Guid>?, CommandContext, CancellationToken, Task<FailedDeliveriesResponse>> act)
    {
        var ids = new Option<Guid[]>("--delivery") { Description = "A delivery id of the owner's (repeat for more)", AllowMultipleArgumentsPerToken = true }.IdsOnly();
        var all = new Option<bool>("--all") { Description = "Every failed delivery that --owner, --channel and --failed-since keep" };
        var command = new Command(name, description) { filter.Owner, filter.Channel, filter.FailedSince, ids, all };
        command.SetAction(async (parse, ct) =>
        {
            var chosen = parse.GetValue(ids) ?? [];
            if (parse.GetValue(all) == (chosen.Length > 0))
            {
                parse.InvocationConfiguration.Error.WriteLine("Name deliveries with --delivery, or use --all (not both).");
                return 2;
            }

            if (chosen.Length > 0 && parse.GetValue(filter.Owner) is null)
            {
                parse.InvocationConfiguration.Error.WriteLine("Name the owner of the deliveries with --owner.");
                return 2;
            }

            await using var provider = services();
            // Audited as the operator's doing, under a correlation id of its own.
            var context = new CommandContext("operator", $"cli-{Guid.NewGuid():N}", null);
            var result = await act(provider.GetRequiredService<FailedQueue>(), filter.Read(parse), parse.GetValue(all) ? null : chosen, context, ct);
            parse.InvocationConfiguration.Output.WriteLine($"{name}: {result.Done.Count} done, {result.NotFailed.Count} not in the failed queue.");
            return 0;
        });
        return command;
    }
}
