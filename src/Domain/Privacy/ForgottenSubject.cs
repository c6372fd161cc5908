using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Privacy;

/// <summary>A subject's stream: whether, when and at whose request it was forgotten. Forgetting twice changes nothing.</summary>
public sealed record ForgottenSubject(SubjectForgotten? Forgotten)
{
    public static readonly Decider<ForgetSubject, SubjectForgotten, ForgottenSubject> Decider = new(Decide, (_, e) => new ForgottenSubject(e), new ForgottenSubject((SubjectForgotten?)null));

    public static string StreamId(Guid keyId) => $"subject-{keyId:N}";

    private static IReadOnlyList<SubjectForgotten> Decide(ForgetSubject command, ForgottenSubject state) =>
        state.Forgotten is not null
            ? []
            : [new SubjectForgotten(command.KeyId, command.Kind, command.OwnerId, command.ContactId, command.VisitorId, command.RequestedBy, command.Reason, command.At)];
}
