using System.Collections;
using EventSourced.Application.Commands;
using EventSourced.Application.Deliveries;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Messages;
using MassTransit;
using MassTransit.Context;
using MassTransit.Saga;
using Microsoft.Extensions.Logging;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// The delivery saga's repository over the event store. A bus message names deliveries of one
/// message (<see cref="IDeliveryStep"/>), and they share that message's stream, so they are taken
/// as one step: the message as this node remembers it (else its stream folded), each named
/// delivery's instance run through the state machine in turn, the events of all their decisions
/// appended at once at the version the step began from, and the attempts they started handed to
/// the sender as one bus message, published only once the append succeeded.
/// The expected version is the optimistic concurrency: a step that raced another (another node,
/// the owner's redelivery) fails, is retried by the endpoint, and decides again on the newer
/// state (a failed append brings the memory up to date). An attempt the step finds lost is looked
/// up in the record of accepted sends first: one the messenger took is recorded delivered, not
/// counted lost (and, as the last attempt, failed). A step whose append went unanswered makes the
/// same append again when it is retried, and then sends what it began (<see cref="UnsettledSteps"/>).
/// </summary>
public sealed partial class DeliverySagaRepository(
    CommandHandler handler, DeliverySends sends, SealedSends sealedSends, UnsettledSteps unsettled, DeliveryOptions options, TimeProvider clock, ILogger<DeliverySagaRepository> logger)
    : ISagaRepositoryContextFactory<DeliverySaga>
{
    public void Probe(ProbeContext context) => context.Add("persistence", "event store: message streams");

    public Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<DeliverySaga, T>> next)
        where T : class =>
        throw new NotSupportedException("Delivery steps find their deliveries by query: a bus message may name several.");

    public async Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<DeliverySaga> query, IPipe<SagaRepositoryQueryContext<DeliverySaga, T>> next)
        where T : class
    {
        // The state machine's query is "the deliveries of the step's message", which are the
        // deliveries in its stream; of those, only the ones the step names have anything to do
        // (the others would ignore it), so a broadcast to thousands is not run through whole at
        // every step.
        var named = context.Message as IDeliveryStep ?? throw new InvalidOperationException($"{typeof(T).Name} does not name its message.");
        if (context.MessageId is { } busMessageId && unsettled.Take(busMessageId) is { } left && await SettledAsync(named, busMessageId, left, context))
        {
            return;
        }

        var streamId = Message.StreamId(named.MessageId);
        var (message, version, generation) = await handler.RecallOrLoadAsync(Message.Decider, streamId, context.CancellationToken);
        var deliveries = named.DeliveryIds.Distinct().Where(message.Progress.ContainsKey).ToList();
        // Only a due step decides on lost attempts (an outcome's step records the outcome it carries).
        var accepted = named is DeliveriesDue ? await AcceptedOfLostAsync(message, deliveries, context.CancellationToken) : DeliverySends.NoneAccepted;
        var step = new MessageStep<T>(context, message, version, generation, deliveries, accepted);
        await next.Send(step);
        await SaveAsync(step, streamId, context);
    }

    /// <summary>Of the deliveries whose attempt is lost by now, those a messenger accepted; nothing read when none is lost, the usual case.</summary>
    private async Task<IReadOnlyDictionary<Guid, string?>> AcceptedOfLostAsync(Message message, IReadOnlyList<Guid> deliveries, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var lost = deliveries.Where(d => DeliverySaga.AttemptLost(message.Progress[d], now, options.AttemptTimeout)).ToList();
        return lost.Count == 0 ? DeliverySends.NoneAccepted : await sends.AcceptedAsync(lost, ct);
    }

    /// <summary>
    /// The same append as this bus message's last try, whose answer never came, then its sends.
    /// False if that append was not stored and the stream moved on meanwhile: the step decides again.
    /// </summary>
    private async Task<bool> SettledAsync(IDeliveryStep named, Guid busMessageId, UnsettledStep step, ConsumeContext context)
    {
        try
        {
            await step.AppendAgainAsync(context.CancellationToken);
        }
        catch (WrongExpectedVersionException)
        {
            return false;
        }
        catch (Exception e) when (StoreUnavailable.Is(e))
        {
            unsettled.Keep(busMessageId, step, options.AttemptTimeout);
            throw;
        }

        LogSettled(named.MessageId, step.Sends?.Attempts.Count ?? 0);
        await PublishAsync(step.Sends, context);
        return true;
    }

    private async Task SaveAsync<T>(MessageStep<T> step, string streamId, ConsumeContext context)
        where T : class
    {
        if (step.Decisions.Count > 0)
        {
            var by = new CommandContext("delivery", step.Loaded.Id.ToString(), context.MessageId?.ToString());
            var sends = step.Started.Count > 0 ? await sealedSends.SealAsync(step.Loaded, step.Started, context.CancellationToken) : null;
            try
            {
                await handler.HandleAllAtAsync(Message.Decider, streamId, step.Decisions, (step.Loaded, step.Version, step.Generation), by, context.CancellationToken);
            }
            catch (AppendOutcomeUnknownException unknown) when (context.MessageId is { } busMessageId)
            {
                unsettled.Keep(busMessageId, new UnsettledStep(unknown.AppendAgainAsync, sends, clock.GetUtcNow()), options.AttemptTimeout);
                throw;
            }

            await PublishAsync(sends, context);
            return;
        }

        // Deciding nothing on a remembered message proves nothing: another node may have moved a
        // delivery on (a retry now due, seen here as still sending). If the stream did move, the
        // step fails, and its retry decides on the caught-up memory.
        var (_, current) = await handler.LoadAsync(Message.Decider, streamId, context.CancellationToken);
        if (current != step.Version)
        {
            throw new WrongExpectedVersionException(streamId, ExpectedVersion.From(step.Version), current);
        }
    }

    // If this fails, the attempts stay in flight in the stream until the attempt time-out counts
    // them lost and they are tried again under the same idempotency keys.
    private static async Task PublishAsync(SendSealedDeliveries? sends, ConsumeContext context)
    {
        if (sends is not null)
        {
            await BoundedPublish.WithinTimeoutAsync(bounded => context.Publish(sends, bounded), context.CancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A step of message {MessageId} whose append went unanswered made it again (stored now, or found stored); its {Sends} sends go out")]
    private partial void LogSettled(Guid messageId, int sends);

    /// <summary>
    /// One bus message's step over one message: each delivery's instance is loaded from the message
    /// as the instances before it left it, and updating an instance only gathers its decisions.
    /// </summary>
    private sealed class MessageStep<T>(ConsumeContext<T> context, Message loaded, long version, long generation, IReadOnlyList<Guid> deliveries, IReadOnlyDictionary<Guid, string?> accepted)
        : ConsumeContextScope<T>(context), SagaRepositoryQueryContext<DeliverySaga, T>
        where T : class
    {
        private Message _current = loaded;

        public Message Loaded { get; } = loaded;

        public long Version { get; } = version;

        /// <summary>What the message was read in, for the state decided on it to be kept (<see cref="FoldedStates.Generation"/>).</summary>
        public long Generation { get; } = generation;

        public List<IMessageCommand> Decisions { get; } = [];

        public List<DeliveryAttempt> Started { get; } = [];

        public int Count => deliveries.Count;

        public IEnumerator<Guid> GetEnumerator() => deliveries.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public Task<SagaConsumeContext<DeliverySaga, T>> Load(Guid correlationId)
        {
            var saga = DeliverySaga.Of(_current, correlationId);
            saga.AcceptedBefore = accepted.TryGetValue(correlationId, out var providerMessageId) ? new SendOutcome.Sent(providerMessageId) : null;
            return CreateSagaConsumeContext(this, saga, SagaConsumeContextMode.Load);
        }

        public Task Update(SagaConsumeContext<DeliverySaga> context)
        {
            Decisions.AddRange(context.Saga.Decisions);
            if (context.Saga.Started is { } started)
            {
                Started.Add(started);
            }

            _current = context.Saga.Message;
            return Task.CompletedTask;
        }

        public Task<SagaConsumeContext<DeliverySaga, T>> Add(DeliverySaga instance) => throw NotFromTheBus();

        public Task<SagaConsumeContext<DeliverySaga, T>> Insert(DeliverySaga instance) => throw NotFromTheBus();

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
