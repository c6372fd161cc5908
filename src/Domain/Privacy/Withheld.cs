namespace EventSourced.Domain.Privacy;

/// <summary>
/// What a personal field reads as when its subject's key is gone: erased once the subject was
/// forgotten, unreadable when the key was lost without that (a restore that missed the keys).
/// Readers show these instead of the value; nothing sends to them.
/// </summary>
public static class Withheld
{
    public const string Erased = "[erased]";

    public const string Unreadable = "[unreadable]";

    public static bool Is(string? value) => value is Erased or Unreadable;
}
