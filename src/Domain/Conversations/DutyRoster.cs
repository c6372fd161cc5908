using System.Collections.Immutable;
using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Conversations;

public interface IDutyEvent;

public sealed record ManagerWentOnDuty(string ManagerId, DateTimeOffset At) : IDutyEvent;

public sealed record ManagerWentOffDuty(string ManagerId, DateTimeOffset At) : IDutyEvent;

/// <summary>A new conversation was given to <paramref name="ManagerId"/>, the next on duty in turn.</summary>
public sealed record ConversationRouted(Guid ConversationId, string VisitorId, string ManagerId, DateTimeOffset At) : IDutyEvent;

public interface IDutyCommand;

public sealed record SetDuty(string ManagerId, bool OnDuty, DateTimeOffset At) : IDutyCommand;

public sealed record RouteConversation(Guid ConversationId, string VisitorId, DateTimeOffset At) : IDutyCommand;

/// <summary>
/// Who is on duty, and whose turn it is. The rule is round robin: managers in the order they went
/// on duty, starting after the one who got the last conversation, skipping those off duty.
/// </summary>
public sealed record DutyRoster(ImmutableList<string> OnDuty, string? LastRoutedTo)
{
    public const string StreamId = "duty-roster";

    public static readonly DutyRoster Empty = new([], null);

    public static readonly Decider<IDutyCommand, IDutyEvent, DutyRoster> Decider = new(Decide, Evolve, Empty);

    private static IReadOnlyList<IDutyEvent> Decide(IDutyCommand command, DutyRoster roster) => command switch
    {
        SetDuty { OnDuty: true } set when !roster.OnDuty.Contains(set.ManagerId) => [new ManagerWentOnDuty(set.ManagerId, set.At)],
        SetDuty { OnDuty: false } set when roster.OnDuty.Contains(set.ManagerId) => [new ManagerWentOffDuty(set.ManagerId, set.At)],
        SetDuty => [],
        RouteConversation route => [new ConversationRouted(route.ConversationId, route.VisitorId, roster.NextInTurn(), route.At)],
        _ => throw new InvalidOperationException($"Unknown duty command {command.GetType().Name}."),
    };

    /// <summary>
    /// Who takes each of <paramref name="count"/> chats handed on, in turn from the next manager
    /// (as new chats would go); none when nobody is on duty. The turn itself does not move: a
    /// hand-over is no new chat.
    /// </summary>
    public IReadOnlyList<string> InTurn(int count)
    {
        var last = LastRoutedTo is null ? -1 : OnDuty.IndexOf(LastRoutedTo);
        return OnDuty.IsEmpty ? [] : [.. Enumerable.Range(last + 1, count).Select(n => OnDuty[n % OnDuty.Count])];
    }

    private string NextInTurn() => InTurn(1) is [var next] ? next : throw new ChatOfflineException();

    private static DutyRoster Evolve(DutyRoster roster, IDutyEvent @event) => @event switch
    {
        ManagerWentOnDuty e => roster with { OnDuty = roster.OnDuty.Add(e.ManagerId) },
        // Leaving duty keeps the turn where it was: the next manager after the leaver is next.
        ManagerWentOffDuty e => roster with
        {
            OnDuty = roster.OnDuty.Remove(e.ManagerId),
            LastRoutedTo = roster.LastRoutedTo == e.ManagerId ? roster.Before(e.ManagerId) : roster.LastRoutedTo,
        },
        ConversationRouted e => roster with { LastRoutedTo = e.ManagerId },
        _ => roster,
    };

    private string? Before(string managerId)
    {
        var index = OnDuty.IndexOf(managerId);
        return index > 0 ? OnDuty[index - 1] : (OnDuty.Count > 1 ? OnDuty[^1] : null);
    }
}
