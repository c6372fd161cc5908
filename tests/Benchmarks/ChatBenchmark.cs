using System.Diagnostics;
using EventSourced.Domain.Conversations;

namespace EventSourced.Benchmarks;

/// <summary>
/// What a chat's length costs each post. The command handler keeps a conversation folded, so a
/// post's own work in the domain is deciding it on that state, evolving the state by its event,
/// and marking it read. That work on a chat of many messages is measured against the same on a
/// chat of <see cref="ShortChat"/> (the baseline), in paired rounds of one run; each post starts
/// from the same folded chat, so the chat keeps its length.
/// </summary>
internal static class ChatBenchmark
{
    private const int ShortChat = 10;
    private const int PostsPerRound = 20_000;
    private const string Visitor = "visitor-1";
    private const string Manager = "manager-1";
    private static readonly DateTimeOffset At = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    public static async Task RunAsync(int messages, int rounds)
    {
        var (shortChat, longChat) = (Folded(ShortChat), Folded(messages));
        Console.WriteLine($"A post decided, evolved and marked read on a chat of {messages:N0} messages against one of {ShortChat}: {rounds} paired rounds of {PostsPerRound:N0} posts, order alternating; medians shown.");
        var (baseline, measured) = await AppendLoad.PairedRoundsAsync(rounds, () => Task.FromResult(MicrosPerPost(shortChat)), () => Task.FromResult(MicrosPerPost(longChat)));
        var ratio = AppendLoad.Median(baseline.Zip(measured, (s, l) => l / s));
        Console.WriteLine($"  chat of {ShortChat,6:N0}: {AppendLoad.Median(baseline),8:F2} µs a post");
        Console.WriteLine($"  chat of {messages,6:N0}: {AppendLoad.Median(measured),8:F2} µs a post = {ratio:F2} x the short chat; goal <= 2: {(ratio <= 2 ? "met" : "NOT met")}");
    }

    private static Conversation Folded(int messages)
    {
        var id = Guid.CreateVersion7();
        IEnumerable<IConversationEvent> events =
        [
            new ConversationOpened(id, Visitor, Manager, Visitor, At),
            .. Enumerable.Range(0, messages).Select(i => new ChatMessagePosted(id, Guid.CreateVersion7(), i % 2 == 0 ? Visitor : Manager, i % 2 == 0 ? ChatRole.Visitor : ChatRole.Manager, $"Message {i}", At, Visitor)),
        ];
        return Conversation.Decider.Fold(events);
    }

    private static double MicrosPerPost(Conversation chat)
    {
        var decider = Conversation.Decider;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < PostsPerRound; i++)
        {
            var post = new PostChatMessage(chat.Id, Guid.CreateVersion7(), Visitor, "Hello", null, At);
            var posted = decider.Decide(post, chat).Aggregate(chat, decider.Evolve);
            if (decider.Decide(new MarkRead(chat.Id, Manager, post.MessageId, At), posted).Count != 1)
            {
                throw new InvalidOperationException("The post was not found to be marked read.");
            }
        }

        return clock.Elapsed.TotalMicroseconds / PostsPerRound;
    }
}
