namespace EventSourced.Projections.Messages;

/// <summary>
/// Where a page of the failed queue ends: the last delivery listed, by when it failed and its id,
/// as the queue is ordered. A value rather than a delivery id to look up, since a delivery sent
/// again leaves the queue and no longer says when it failed.
/// </summary>
public sealed record FailedDeliveryCursor(DateTimeOffset FailedAt, Guid DeliveryId);
