using System.CommandLine;
using EventSourced.Application.EventStore;

namespace EventSourced.Api.Operator;

/// <summary>`streams read ID`: a stream's events with their metadata as JSON lines, like GET /api/audit/streams/{id}.</summary>
public static class StreamsCommand
{
    public static Command Create(Func<ServiceProvider> services)
    {
        var id = new Argument<string>("id") { Description = "The stream id, for example contacts-alice" };
        var from = new Option<long>("--from") { Description = "First stream version to read", DefaultValueFactory = _ => 0 };
        var count = new Option<int>("--count") { Description = "How many events at most", DefaultValueFactory = _ => int.MaxValue };
        var read = new Command("read", "Print a stream's events with their metadata as JSON lines") { id, from, count };
        read.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            var store = provider.GetRequiredService<IEventStore>();
            var output = parse.InvocationConfiguration.Output;
            var version = parse.GetValue(from);
            var left = parse.GetValue(count);
            while (left > 0)
            {
                var page = await store.ReadStreamAsync(parse.GetValue(id)!, ReadDirection.Forward, version, Math.Min(left, 500), ct);
                JsonLines.WriteEvents(output, page);
                if (page.Count < Math.Min(left, 500))
                {
                    break;
                }

                left -= page.Count;
                version = page[^1].StreamVersion + 1;
            }

            return 0;
        });
        return new Command("streams", "Streams of the event store") { read };
    }
}
