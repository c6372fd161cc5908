using System.Text.RegularExpressions;

namespace EventSourced.Domain.Messages;

/// <summary>
/// What in a user's text looks like a placeholder but stands for nothing: a misspelled
/// <c>{nmae}</c> would go to every recipient as written, and a sent message cannot be taken back.
/// </summary>
public static partial class MessagePlaceholders
{
    /// <summary>Each distinct <c>{word}</c> of the text other than <see cref="Message.NamePlaceholder"/>, in order.</summary>
    public static IReadOnlyList<string> Unknown(string text) =>
        [.. PlaceholderPattern().Matches(text).Select(m => m.Value).Where(p => p != Message.NamePlaceholder).Distinct(StringComparer.Ordinal)];

    // A word in braces, as a placeholder is written; braces around anything else (JSON, a smiley) are text.
    [GeneratedRegex(@"\{[A-Za-z][A-Za-z0-9_]{0,39}\}")]
    private static partial Regex PlaceholderPattern();
}
