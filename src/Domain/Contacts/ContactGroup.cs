using System.Collections.Immutable;

namespace EventSourced.Domain.Contacts;

/// <summary>
/// A group of an owner's contacts, to send to all of them at once. <see cref="Members"/> keeps the
/// ids it was given; a member removed from the book or forgotten later is passed over when the
/// group is read or sent to, rather than taken out of it by an event of its own.
/// </summary>
public sealed record ContactGroup(Guid Id, string Name, ImmutableHashSet<Guid> Members, bool Deleted)
{
    /// <summary>As many as one message takes (its recipients), so that a group can always be sent to.</summary>
    public const int MaxMembers = 1000;

    public const int MaxNameLength = 100;

    /// <summary>What is wrong with a group's name, or null.</summary>
    public static string? NameProblem(string? name) =>
        !MessengerIds.IsPrintableName(name, MaxNameLength)
            ? $"A group name of 1 to {MaxNameLength} printable characters is required."
            : null;
}
