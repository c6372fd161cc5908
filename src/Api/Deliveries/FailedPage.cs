using EventSourced.Projections.Messages;

namespace EventSourced.Api.Deliveries;

/// <summary>
/// A page of a failed queue: by offset, or after the last delivery listed (afterFailedAt and
/// afterId, both from that row). An offset counts rows, so it skips one for each delivery sent
/// again or dropped from an earlier page meanwhile; the cursor does not.
/// </summary>
public sealed record FailedPage(int Limit, int Offset, DateTimeOffset? AfterFailedAt, Guid? AfterId)
{
    public FailedDeliveryCursor? After => AfterFailedAt is { } failedAt && AfterId is { } id ? new FailedDeliveryCursor(failedAt, id) : null;

    /// <summary>The field at fault and why, or null.</summary>
    public (string Field, string Text)? Problem =>
        Limit is < 1 or > 1000 ? ("limit", "limit is 1 to 1000.")
        : Offset < 0 ? ("offset", "offset is 0 or more.")
        : AfterFailedAt.HasValue != AfterId.HasValue ? ("afterId", "afterFailedAt and afterId go together: the failedAt and deliveryId of the last one listed.")
        : Offset > 0 && After is not null ? ("offset", "Page by offset or after a delivery, not both.")
        : null;
}
