using System.Text.RegularExpressions;
using EventSourced.Application.Conversations;
using EventSourced.Domain.Conversations;
using Microsoft.Extensions.Options;

namespace EventSourced.Infrastructure.Conversations;

/// <summary>Chat moderation settings (section Chat:Moderation).</summary>
public sealed class ModerationOptions
{
    public List<string> BannedWords { get; init; } = [];

    public bool RejectLinksFromVisitors { get; init; } = true;
}

/// <summary>The default moderation: configured banned words for everyone, and no links from visitors (spam).</summary>
public sealed partial class KeywordModeration(IOptionsMonitor<ModerationOptions> options) : IChatModeration
{
    public string? RejectionReason(string content, ChatRole senderRole)
    {
        var settings = options.CurrentValue;
        var banned = settings.BannedWords.FirstOrDefault(word => WordPattern(word).IsMatch(content));
        if (banned is not null)
        {
            return "banned_word";
        }

        return settings.RejectLinksFromVisitors && senderRole == ChatRole.Visitor && LinkPattern().IsMatch(content) ? "link_from_visitor" : null;
    }

    private static Regex WordPattern(string word) => new($@"\b{Regex.Escape(word)}\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));

    [GeneratedRegex(@"(https?://|www\.)\S+|\b[a-z0-9-]+\.(com|net|org|ru|io|info|biz|xyz)\b", RegexOptions.IgnoreCase)]
    private static partial Regex LinkPattern();
}
