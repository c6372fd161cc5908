using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Messages;
using MassTransit;
using MassTransit.Context;
using MassTransit.Saga;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// The delivery saga's repository over the event store: load takes the message as this node
/// remembers it (else folds its stream), and update appends the events of the saga's decisions
/// with the version it was loaded at. That expected version is the optimistic concurrency: a step
/// that raced another (another node, the owner's redelivery) fails, is retried by the endpoint,
/// and decides again on the newer state (a failed append brings the memory up to date).
/// </summary>
public sealed class DeliverySagaRepository(CommandHandler handler) : ISagaRepositoryContextFactory<DeliverySaga>
{
    public void Probe(ProbeContext context) => context.Add("persistence", "event store: message streams");

    public Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<DeliverySaga, T>> next)
        where T : class =>
        next.Send(new StreamContext<T>(context, handler));

    public Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<DeliverySaga> query, IPipe<SagaRepositoryQueryContext<DeliverySaga, T>> next)
        where T : class =>
        throw new NotSupportedException("Delivery sagas are found by delivery id only.");

    private sealed class StreamContext<T>(ConsumeContext<T> context, CommandHandler handler) : ConsumeContextScope<T>(context), SagaRepositoryContext<DeliverySaga, T>
        where T : class
    {
        public Task<SagaConsumeContext<DeliverySaga, T>> Add(DeliverySaga instance) => throw NotFromTheBus();

        public Task<SagaConsumeContext<DeliverySaga, T>> Insert(DeliverySaga instance) => throw NotFromTheBus();

        public async Task<SagaConsumeContext<DeliverySaga, T>> Load(Guid correlationId)
        {
            var messageId = (Message as IDeliveryStep ?? throw new InvalidOperationException($"{typeof(T).Name} does not name its message.")).MessageId;
            var (message, version) = await handler.RecallOrLoadAsync(Domain.Messages.Message.Decider, Domain.Messages.Message.StreamId(messageId), CancellationToken);
            return message.Progress.ContainsKey(correlationId)
                ? await CreateSagaConsumeContext(this, DeliverySaga.Of(message, version, correlationId), SagaConsumeContextMode.Load)
                : null!;
        }

        public async Task Update(SagaConsumeContext<DeliverySaga> context)
        {
            var saga = context.Saga;
            if (saga.Decisions.Count == 0)
            {
                // Deciding nothing on a remembered message proves nothing: another node may have moved
                // the delivery on (a retry now due, seen here as still sending). If the stream did move,
                // the step fails, and its retry decides on the caught-up memory.
                var streamId = Domain.Messages.Message.StreamId(saga.Loaded.Id);
                var (_, current) = await handler.LoadAsync(Domain.Messages.Message.Decider, streamId, CancellationToken);
                if (current != saga.Version)
                {
                    throw new WrongExpectedVersionException(streamId, ExpectedVersion.From(saga.Version), current);
                }

                return;
            }

            var by = new CommandContext("delivery", saga.Loaded.Id.ToString(), context.MessageId?.ToString());
            await handler.HandleAllAtAsync(Domain.Messages.Message.Decider, Domain.Messages.Message.StreamId(saga.Loaded.Id), saga.Decisions, (saga.Loaded, saga.Version), by, CancellationToken);
        }

        public Task Save(SagaConsumeContext<DeliverySaga> context) => throw NotFromTheBus();

        // A delivery's history stays in its stream: finishing, discarding or undoing a step removes nothing.
        public Task Delete(SagaConsumeContext<DeliverySaga> context) => Task.CompletedTask;

        public Task Discard(SagaConsumeContext<DeliverySaga> context) => Task.CompletedTask;

        public Task Undo(SagaConsumeContext<DeliverySaga> context) => Task.CompletedTask;

        public Task<SagaConsumeContext<DeliverySaga, TMessage>> CreateSagaConsumeContext<TMessage>(
            ConsumeContext<TMessage> consumeContext, DeliverySaga instance, SagaConsumeContextMode mode)
            where TMessage : class =>
            Task.FromResult<SagaConsumeContext<DeliverySaga, TMessage>>(new DefaultSagaConsumeContext<DeliverySaga, TMessage>(consumeContext, instance));

        private static NotSupportedException NotFromTheBus() => new("Deliveries begin with their message's MessageScheduled event, never from the bus.");
    }
}
