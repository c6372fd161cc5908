using EventSourced.Application.Commands;
using EventSourced.Domain.Privacy;

namespace EventSourced.Application.Privacy;

/// <summary>What forgetting did: the keys destroyed and the position of the last <c>subject_forgotten</c> recorded (null when there was nothing left to forget).</summary>
public sealed record ForgetOutcome(IReadOnlyList<Guid> KeyIds, long? Position)
{
    public bool ForgotAnything => KeyIds.Count > 0;
}

/// <summary>Who is forgotten: the subject and, for read models that find its rows by them, its non-personal ids.</summary>
public sealed record ForgetRequest(Subject Subject, string? OwnerId, Guid? ContactId, string? VisitorId, string RequestedBy, string Reason);

/// <summary>
/// Forgets a data subject: records <c>subject_forgotten</c> in the key's own stream, then destroys
/// the key. In that order, so a crash in between leaves the subject still findable by its alias and
/// forgetting again completes it; the other order could lose the key with no record of why.
/// Forgetting twice finds no alias the second time and does nothing.
/// </summary>
public sealed class SubjectForgetting(SubjectKeyRing keys, CommandHandler handler, TimeProvider clock)
{
    public async Task<ForgetOutcome> ForgetAsync(ForgetRequest request, CommandContext context, CancellationToken ct)
    {
        var keyIds = new List<Guid>();
        foreach (var alias in request.Subject.Aliases)
        {
            keyIds.AddRange((await keys.KeysOfAliasAsync(alias, ct)).Where(keyId => !keyIds.Contains(keyId)));
        }

        long? position = null;
        foreach (var keyId in keyIds)
        {
            var forget = new ForgetSubject(keyId, request.Subject.Kind, request.OwnerId, request.ContactId, request.VisitorId, request.RequestedBy, request.Reason, clock.GetUtcNow());
            var recorded = await handler.HandleAsync(ForgottenSubject.Decider, ForgottenSubject.StreamId(keyId), forget, context, ct: ct);
            position = recorded.Position ?? position;
            await keys.DestroyAsync(keyId, request.Subject.Kind, ct);
        }

        return new ForgetOutcome(keyIds, position);
    }
}
