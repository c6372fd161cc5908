using EventSourced.Application.Commands;
using EventSourced.Application.Idempotency;
using EventSourced.Application.Messages;
using EventSourced.Application.Privacy;
using EventSourced.Infrastructure.Tickets.Kafka;
using EventSourced.Projections.Messages;

namespace EventSourced.Api.Privacy;

/// <summary>What forgetting did, for the caller: whether there was anything left to forget, and where to read on from.</summary>
/// <param name="Position">Pass as minPosition to a query to read the erasure.</param>
/// <param name="CancelledDeliveries">Deliveries to a forgotten contact that will not go out.</param>
public sealed record ForgetResponse(bool Forgotten, long? Position, int CancelledDeliveries);

/// <summary>
/// Forgets subjects for the REST endpoints and the operator command line. A forgotten contact's
/// waiting deliveries are cancelled here, as the read model knows them just before; one this misses
/// (a crash, or scheduled a moment before) is cancelled when it falls due, since its address reads
/// as erased. The owner's responses kept for retries (Idempotency-Key) go too: they may name it.
/// </summary>
public sealed class Forgetting(
    SubjectForgetting forgetting, MessageQueries messages, CommandHandler handler, IngestDeadLetters deadLetters, IIdempotencyStore idempotency, TimeProvider clock)
{
    public const int MaxReasonLength = 500;

    /// <summary>What is wrong with a reason for forgetting, or null: it is kept with the record, so one is required.</summary>
    public static string? ReasonProblem(string? reason) =>
        string.IsNullOrWhiteSpace(reason) || reason.Trim().Length > MaxReasonLength
            ? $"Say why, in 1 to {MaxReasonLength} characters: it is kept with the record of forgetting."
            : null;

    public async Task<ForgetResponse> ForgetContactAsync(string ownerId, Guid contactId, string reason, CommandContext context, CancellationToken ct)
    {
        // Read before forgetting: a read that fails (the read model being rebuilt) then fails the
        // request before anything is done, and the caller's retry does all of it.
        var waiting = await messages.WaitingDeliveriesToAsync(contactId, ct);
        var outcome = await forgetting.ForgetAsync(new ForgetRequest(Subject.Contact(ownerId, contactId), ownerId, contactId, null, context.Actor, reason), context, ct);
        var position = await handler.HandleByMessageAsync(waiting.Select(d => d.Cancel("the contact was forgotten", context.Actor, clock.GetUtcNow())), context, ct);
        // Every time, not only when a key was destroyed: a forgetting cut short before this is
        // completed by the next, which finds no key left.
        await idempotency.ForgetOwnerAsync(ownerId, ct);
        return new ForgetResponse(outcome.ForgotAnything, position ?? outcome.Position, waiting.Count);
    }

    /// <summary>A buyer, by email and/or phone; the seller's records that could not be applied and mention them go too.</summary>
    public async Task<ForgetResponse> ForgetBuyerAsync(Subject buyer, string? email, string? phone, string reason, CommandContext context, CancellationToken ct)
    {
        var outcome = await forgetting.ForgetAsync(new ForgetRequest(buyer, null, null, null, context.Actor, reason), context, ct);
        string[] mentions = [.. new[] { email?.Trim(), email?.Trim().ToLowerInvariant(), phone?.Trim() }.OfType<string>().Where(v => v.Length > 0).Distinct()];
        var dropped = await deadLetters.RemoveMentioningAsync(mentions, ct);
        return new ForgetResponse(outcome.ForgotAnything || dropped > 0, outcome.Position, 0);
    }

    public async Task<ForgetResponse> ForgetVisitorAsync(string visitorId, string reason, CommandContext context, CancellationToken ct)
    {
        var outcome = await forgetting.ForgetAsync(new ForgetRequest(Subject.Visitor(visitorId), null, null, visitorId, context.Actor, reason), context, ct);
        return new ForgetResponse(outcome.ForgotAnything, outcome.Position, 0);
    }
}
