using EventSourced.Application.Deliveries;
using EventSourced.Domain.Messages;
using MassTransit;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// One delivery's saga instance. It has no table of its own: the repository folds it from the
/// message's stream, the state machine records its decisions as delivery commands, and the
/// repository appends their events at the version the stream was loaded at (ADR 0015).
/// </summary>
public sealed class DeliverySaga : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }

    /// <summary>The message this delivery belongs to: the bus messages' correlation (nullable, as MassTransit's property correlation asks).</summary>
    public Guid? MessageId => Message.Id;

    public string CurrentState { get; set; } = "";

    /// <summary>The message with this instance's decisions (and those of instances before it in the step) applied.</summary>
    public Message Message { get; private set; } = Message.None;

    public List<IMessageCommand> Decisions { get; } = [];

    /// <summary>The attempt this instance started in this step, to be sent once the step is saved.</summary>
    public DeliveryAttempt? Started { get; private set; }

    public DeliveryProgress Progress => Message.Progress[CorrelationId];

    public PlannedDelivery Delivery => Message.Deliveries.First(d => d.DeliveryId == CorrelationId);

    public static DeliverySaga Of(Message message, Guid deliveryId) => new()
    {
        CorrelationId = deliveryId,
        CurrentState = message.Progress[deliveryId].Status.ToString(),
        Message = message,
    };

    public bool IsDue(DateTimeOffset now) => Progress.Status switch
    {
        DeliveryStatus.Scheduled => Message.NotBefore <= now,
        DeliveryStatus.Retrying => Progress.Since <= now,
        _ => false,
    };

    /// <summary>An attempt in flight whose worker has not answered within the time-out: it died, or its answer was lost.</summary>
    public bool AttemptLost(DateTimeOffset now, TimeSpan timeout) => AttemptLost(Progress, now, timeout);

    public static bool AttemptLost(DeliveryProgress progress, DateTimeOffset now, TimeSpan timeout) =>
        progress.Status == DeliveryStatus.Sending && progress.Since + timeout <= now;

    /// <summary>
    /// What the messenger answered the lost attempt, when the record of accepted sends has it (the
    /// repository looks it up for attempts it finds lost); null when unknown.
    /// </summary>
    public SendOutcome.Sent? AcceptedBefore { get; set; }

    /// <summary>
    /// How a lost attempt ended: sent, if the messenger's acceptance was recorded; else unknown, a
    /// transient failure, tried again with the same idempotency key while attempts remain.
    /// </summary>
    public SendOutcome LostAttemptOutcome => (SendOutcome?)AcceptedBefore ?? new SendOutcome.Transient("attempt outcome unknown (worker lost)", TimeSpan.Zero);

    public void StartAttempt(DateTimeOffset now)
    {
        Decide(new StartDeliveryAttempt(Message.Id, Message.OwnerId, CorrelationId, now));
        var text = Message.TextFor(Delivery);
        Started = Progress.Status == DeliveryStatus.Sending
            ? new DeliveryAttempt(CorrelationId, Progress.Attempts, Delivery.Channel, Delivery.Address, Progress.Redelivered, text == Message.Text ? null : text)
            : null;
    }

    /// <summary>Records how the attempt in flight ended; a transient failure is retried after a jittered backoff until attempts run out.</summary>
    public void RecordOutcome(SendOutcome outcome, DeliveryOptions options, DateTimeOffset now)
    {
        if (outcome is SendOutcome.Sent sent)
        {
            Decide(new RecordDeliverySuccess(Message.Id, Message.OwnerId, CorrelationId, sent.ProviderMessageId, now));
            return;
        }

        var (error, permanent, retryAfter) = outcome switch
        {
            SendOutcome.Permanent p => (p.Error, true, (TimeSpan?)null),
            SendOutcome.Transient t => (t.Error, false, t.RetryAfter),
            _ => throw new InvalidOperationException($"Not a failure: {outcome}."),
        };
        DateTimeOffset? retryAt = permanent || Progress.Attempts >= options.MaxAttempts
            ? null
            : now + RetryDelay.After(Progress.Attempts, retryAfter, options, Random.Shared.NextDouble());
        Decide(new RecordDeliveryFailure(Message.Id, Message.OwnerId, CorrelationId, error, permanent, retryAt, now));
    }

    private void Decide(IDeliveryCommand command)
    {
        Message = Message.Decider.Decide(command, Message).Aggregate(Message, Message.Decider.Evolve);
        Decisions.Add(command);
    }
}
