namespace EventSourced.Api.Contacts;

/// <summary>A new group: its name, unique among yours, and its first members by id and/or by name (maybe none).</summary>
public sealed record CreateGroupRequest(string? Name, Guid[]? ContactIds, string[]? ContactNames);

public sealed record RenameGroupRequest(string? Name);

/// <summary>Contacts to add to a group or take out of it, by id and/or by name.</summary>
public sealed record GroupMembersRequest(Guid[]? ContactIds, string[]? ContactNames);

/// <summary>A command's outcome: the group as it is now, and the global position of the change (null if nothing changed).</summary>
public sealed record GroupChangedResponse(Guid Id, string Name, int Members, long? Position);

/// <summary>A group in the list: how many of its members are in your book.</summary>
public sealed record GroupSummaryResponse(Guid Id, string Name, int Members);

/// <summary>A group and its members by name; a forgotten member shows erased until removed from the group or the book.</summary>
public sealed record GroupResponse(Guid Id, string Name, IReadOnlyList<GroupMemberResponse> Members);

public sealed record GroupMemberResponse(Guid Id, string Name);
