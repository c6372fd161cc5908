using EventSourced.Application.Deliveries;
using EventSourced.Domain.Messages;
using MassTransit;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// The delivery saga: scheduled or retrying → sending (the attempt is recorded; the repository
/// sends it with the step's other attempts once they are saved) → delivered, retrying or failed.
/// States are named as <see cref="DeliveryStatus"/> because the instance's state is folded from
/// the same events. Redelivery and discard are the
/// owner's commands on the stream; the saga takes a redelivered delivery up as scheduled again.
/// </summary>
public sealed class DeliveryStateMachine : MassTransitStateMachine<DeliverySaga>
{
    public DeliveryStateMachine(DeliveryOptions options, TimeProvider clock)
    {
        InstanceState(s => s.CurrentState);
        // Each bus message is about deliveries of one message. Correlating by the message (a
        // property, not an expression over the bus message: MassTransit would compile that for
        // every message received) lets the repository load its stream once and run the deliveries
        // the bus message names through here in turn.
        Event(() => Due, e =>
        {
            e.CorrelateBy(saga => saga.MessageId, c => c.Message.MessageId);
            e.OnMissingInstance(m => m.Discard());
        });
        Event(() => Finished, e =>
        {
            e.CorrelateBy(saga => saga.MessageId, c => c.Message.MessageId);
            e.OnMissingInstance(m => m.Discard());
        });

        // A due hint for a delivery that moved on, or an outcome of an attempt given up: nothing to do.
        OnUnhandledEvent(c => c.Ignore());

        During(Scheduled, Retrying,
            When(Due, c => c.Saga.IsDue(clock.GetUtcNow()))
                .Then(c => c.Saga.StartAttempt(clock.GetUtcNow()))
                // A recipient whose data is erased is not sent to: the delivery is cancelled instead.
                .IfElse(c => c.Saga.Progress.Status == DeliveryStatus.Sending, s => s.TransitionTo(Sending), x => x.TransitionTo(Cancelled)));

        During(Sending,
            // Recorded as the messenger answered, if its acceptance was kept; else tried again
            // with the same idempotency key, so a messenger that honours it does not deliver twice.
            ToRecordedOutcome(When(Due, c => c.Saga.AttemptLost(clock.GetUtcNow(), options.AttemptTimeout))
                .Then(c => c.Saga.RecordOutcome(c.Saga.LostAttemptOutcome, options, clock.GetUtcNow()))),
            ToRecordedOutcome(When(Finished, c => c.Message.Of(c.Saga.CorrelationId, c.Saga.Progress.Attempts) is not null)
                .Then(c => c.Saga.RecordOutcome(c.Message.Of(c.Saga.CorrelationId, c.Saga.Progress.Attempts)!.Outcome, options, clock.GetUtcNow()))));
    }

    /// <summary>To the state an attempt's recorded outcome left the delivery in: delivered, retrying or failed.</summary>
    private EventActivityBinder<DeliverySaga, T> ToRecordedOutcome<T>(EventActivityBinder<DeliverySaga, T> binder)
        where T : class =>
        binder.IfElse(c => c.Saga.Progress.Status == DeliveryStatus.Delivered, d => d.TransitionTo(Delivered), other => other
            .IfElse(c => c.Saga.Progress.Status == DeliveryStatus.Retrying, r => r.TransitionTo(Retrying), f => f.TransitionTo(Failed)));

    public State Scheduled { get; private set; } = null!;

    public State Sending { get; private set; } = null!;

    public State Retrying { get; private set; } = null!;

    public State Delivered { get; private set; } = null!;

    public State Failed { get; private set; } = null!;

    public State Discarded { get; private set; } = null!;

    public State Cancelled { get; private set; } = null!;

    public Event<DeliveriesDue> Due { get; private set; } = null!;

    public Event<DeliverySendsFinished> Finished { get; private set; } = null!;
}
