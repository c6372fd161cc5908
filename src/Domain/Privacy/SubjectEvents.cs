namespace EventSourced.Domain.Privacy;

/// <summary>Whose personal data a key protects.</summary>
public enum SubjectKind
{
    /// <summary>One contact of one owner: its name and messenger ids.</summary>
    Contact,

    /// <summary>A ticket buyer, found by email or phone: the customer of orders and refunds.</summary>
    Buyer,

    /// <summary>A chat visitor: what is written in their conversations.</summary>
    Visitor,
}

/// <summary>
/// A data subject was forgotten: its key is destroyed, so its personal fields read as erased
/// everywhere. Carries the key id and, for contacts and visitors, their (non-personal) ids so that
/// read models can find their rows; never the personal data itself.
/// </summary>
public sealed record SubjectForgotten(
    Guid KeyId,
    SubjectKind Kind,
    string? OwnerId,
    Guid? ContactId,
    string? VisitorId,
    string RequestedBy,
    string Reason,
    DateTimeOffset ForgottenAt);

/// <summary>Forget the subject whose data is under <paramref name="KeyId"/>.</summary>
public sealed record ForgetSubject(Guid KeyId, SubjectKind Kind, string? OwnerId, Guid? ContactId, string? VisitorId, string RequestedBy, string Reason, DateTimeOffset At);
