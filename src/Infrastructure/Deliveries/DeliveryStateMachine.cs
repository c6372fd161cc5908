using EventSourced.Application.Deliveries;
using EventSourced.Domain.Messages;
using MassTransit;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// The delivery saga: scheduled or retrying → sending (the attempt is recorded, then the send is
/// published) → delivered, retrying or failed. States are named as <see cref="DeliveryStatus"/>
/// because the instance's state is folded from the same events. Redelivery and discard are the
/// owner's commands on the stream; the saga takes a redelivered delivery up as scheduled again.
/// </summary>
public sealed class DeliveryStateMachine : MassTransitStateMachine<DeliverySaga>
{
    public DeliveryStateMachine(DeliveryOptions options, TimeProvider clock)
    {
        InstanceState(s => s.CurrentState);
        Event(() => Due, e =>
        {
            e.CorrelateById(c => c.Message.DeliveryId);
            e.OnMissingInstance(m => m.Discard());
        });
        Event(() => Finished, e =>
        {
            e.CorrelateById(c => c.Message.DeliveryId);
            e.OnMissingInstance(m => m.Discard());
        });

        // A due hint for a delivery that moved on, or an outcome of an attempt given up: nothing to do.
        OnUnhandledEvent(c => c.Ignore());

        During(Scheduled, Retrying,
            When(Due, c => c.Saga.IsDue(clock.GetUtcNow()))
                .Then(c => c.Saga.StartAttempt(clock.GetUtcNow()))
                .TransitionTo(Sending)
                .Publish(c => c.Saga.SendCommand()));

        During(Sending,
            When(Due, c => c.Saga.AttemptLost(clock.GetUtcNow(), options.AttemptTimeout))
                // Tried again with the same idempotency key, so a messenger that honours it does not deliver twice.
                .Then(c => c.Saga.RecordOutcome(new SendOutcome.Transient("attempt outcome unknown (worker lost)", TimeSpan.Zero), options, clock.GetUtcNow()))
                .IfElse(c => c.Saga.Progress.Status == DeliveryStatus.Retrying, r => r.TransitionTo(Retrying), f => f.TransitionTo(Failed)),
            When(Finished, c => c.Message.Attempt == c.Saga.Progress.Attempts)
                .Then(c => c.Saga.RecordOutcome(c.Message.Outcome, options, clock.GetUtcNow()))
                .IfElse(c => c.Saga.Progress.Status == DeliveryStatus.Delivered, d => d.TransitionTo(Delivered), other => other
                    .IfElse(c => c.Saga.Progress.Status == DeliveryStatus.Retrying, r => r.TransitionTo(Retrying), f => f.TransitionTo(Failed))));
    }

    public State Scheduled { get; private set; } = null!;

    public State Sending { get; private set; } = null!;

    public State Retrying { get; private set; } = null!;

    public State Delivered { get; private set; } = null!;

    public State Failed { get; private set; } = null!;

    public State Discarded { get; private set; } = null!;

    public State Cancelled { get; private set; } = null!;

    public Event<DeliveryDue> Due { get; private set; } = null!;

    public Event<DeliverySendFinished> Finished { get; private set; } = null!;
}
