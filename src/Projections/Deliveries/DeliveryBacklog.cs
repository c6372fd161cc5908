namespace EventSourced.Projections.Deliveries;

/// <summary>
/// Deliveries not yet ended on one messenger (or on all, in <see cref="DeliveryBacklog.Total"/>),
/// by where they stand; each is counted once.
/// </summary>
/// <param name="Channel">The messenger; null in the total, and for a delivery the messages read model does not show yet.</param>
/// <param name="Due">Due now and not yet taken up: its time has come, or its attempt outlived the attempt time-out.</param>
/// <param name="OldestDueAt">When the longest-waiting of <paramref name="Due"/> came due; null when none is.</param>
/// <param name="Held">Due, but behind an earlier notification to the same target that has not ended (ADR 0042).</param>
/// <param name="InFlight">Being sent, within the attempt time-out.</param>
/// <param name="Retrying">Failed an attempt, waiting for its retry time.</param>
/// <param name="Scheduled">Waiting for its message's time.</param>
/// <param name="Failed">Gave up: in its owner's failed queue.</param>
public sealed record DeliveryBacklogRow(
    string? Channel, int Due, DateTimeOffset? OldestDueAt, int Held, int InFlight, int Retrying, int Scheduled, int Failed)
{
    /// <summary>How long the longest-waiting due delivery has waited at <paramref name="asOf"/>: what to alert on.</summary>
    public TimeSpan OldestDueFor(DateTimeOffset asOf) => OldestDueAt is { } due && due < asOf ? asOf - due : TimeSpan.Zero;
}

/// <summary>What waits to go out, over every owner, as the delivery schedule and the messages read model show it.</summary>
/// <param name="AsOf">The moment "due" was measured against: the node's clock, as the scheduler's.</param>
public sealed record DeliveryBacklog(DateTimeOffset AsOf, DeliveryBacklogRow Total, IReadOnlyList<DeliveryBacklogRow> Channels);

/// <summary>A delivery due and not yet taken up (or held), with what an operator needs to look further: its message's history, its owner.</summary>
/// <param name="Owner">Whose message; null, with <paramref name="Channel"/> and <paramref name="ContactName"/>, while the messages read model does not show it yet.</param>
/// <param name="Attempts">Attempts made since it was planned or last redelivered.</param>
/// <param name="Sending">Its last attempt outlived the attempt time-out: it is due to be taken up again.</param>
/// <param name="Held">Behind an earlier notification to the same target that has not ended (ADR 0042).</param>
public sealed record OverdueDelivery(
    Guid DeliveryId, Guid MessageId, string? Owner, string? Channel, string? ContactName, DateTimeOffset DueAt, int Attempts, bool Sending, bool Held);
