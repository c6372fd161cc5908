using EventSourced.Domain.Conversations;

namespace EventSourced.Application.Conversations;

/// <summary>Judges a chat message before it is posted; the verdict is recorded either way.</summary>
public interface IChatModeration
{
    /// <returns>Null when the message may be posted, else the reason it may not.</returns>
    string? RejectionReason(string content, ChatRole senderRole);
}
