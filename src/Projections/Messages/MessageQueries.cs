using EventSourced.Application;
using EventSourced.Application.Messages;
using System.Text.Json;
using EventSourced.Domain.Messages;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventSourced.Projections.Messages;

/// <param name="Status">
/// Where the message stands, from its deliveries when it is read (<see cref="MessageStates"/>):
/// scheduled (its time is ahead), sending (due, deliveries waiting or in flight), done (every
/// delivery ended, however: <paramref name="Progress"/> says how) or cancelled.
/// </param>
/// <param name="Groups">The groups it was sent to, by the names they had then (ADR 0048).</param>
public sealed record MessageRow(
    Guid Id, string Text, DateTimeOffset NotBefore, string Status, DateTimeOffset ScheduledAt, DateTimeOffset? CancelledAt, DeliveryProgress Progress,
    IReadOnlyList<MessageGroup> Groups);

/// <summary>Which of an owner's messages a list shows; what is null does not narrow it.</summary>
/// <param name="Status">One of <see cref="MessageQueries.MessageStates"/>.</param>
/// <param name="GroupId">Sent to this group: named when it was scheduled or when recipients were added.</param>
/// <param name="ContactId">With a delivery to this contact, even one cancelled.</param>
public sealed record MessageFilter(string? Status = null, Guid? GroupId = null, Guid? ContactId = null);

/// <summary>A group a message was sent to.</summary>
public sealed record MessageGroup(Guid Id, string Name)
{
    /// <summary>As the read model keeps them: a JSON array of these.</summary>
    public static string Json(IEnumerable<RecipientGroup> groups) => JsonSerializer.Serialize(groups.Select(g => new MessageGroup(g.GroupId, g.Name)), JsonSerializerOptions.Web);

    public static IReadOnlyList<MessageGroup> FromJson(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize<List<MessageGroup>>(json, JsonSerializerOptions.Web) ?? [];
}

/// <summary>
/// A message's deliveries (one per recipient and messenger) by where they stand; the five counts
/// add up to the total.
/// </summary>
/// <param name="Pending">Waiting, in flight or to be retried.</param>
/// <param name="Cancelled">Will not go out: the message was cancelled, or its contact removed or forgotten.</param>
/// <param name="Discarded">Failed, then dropped by the owner or an operator.</param>
public sealed record DeliveryProgress(int Total, int Delivered, int Failed, int Pending, int Cancelled, int Discarded);

/// <param name="Address">Where it goes: the contact's id on <paramref name="Channel"/> when it was sent, or as it is now while it waits (ADR 0040).</param>
/// <param name="CancelReason">Why it will not go out, once cancelled.</param>
public sealed record DeliveryRow(Guid Id, Guid ContactId, string ContactName, string Channel, string Address, string Status, int Attempts, string? LastError, string? CancelReason);

/// <summary>A delivery in the failed queue: what was sent to whom over which messenger, and why it failed.</summary>
public sealed record FailedDeliveryRow(
    Guid DeliveryId, Guid MessageId, string Sender, string Text, Guid ContactId, string ContactName, string Channel, string Address,
    DateTimeOffset ScheduledFor, int Attempts, string? LastError, DateTimeOffset FailedAt);

public sealed record MessageView(MessageRow Message, IReadOnlyList<DeliveryRow> Deliveries);

/// <summary>Reads an owner's messages and their deliveries.</summary>
public sealed class MessageQueries([FromKeyedServices(ReadModelQueries.DataSourceKey)] NpgsqlDataSource dataSource)
{
    /// <param name="filter">Which of the owner's messages: every one when it sets nothing.</param>
    /// <param name="beforeId">Pages back: only the messages listed after this one (none when it is not the owner's).</param>
    /// <param name="now">What "due" is measured against: the node's clock, as the scheduler's.</param>
    public Task<IReadOnlyList<MessageRow>> ListAsync(string ownerId, MessageFilter filter, int limit, Guid? beforeId, DateTimeOffset now, CancellationToken ct) =>
        dataSource.QueryAsync(
            WithProgress($"""
                SELECT * FROM rm.messages m WHERE owner_id = $1 AND {InState(filter.Status)} AND {SentToGroup} AND {SentToContact}
                  AND ($3::uuid IS NULL OR (scheduled_at, message_id) < (SELECT scheduled_at, message_id FROM rm.messages WHERE owner_id = $1 AND message_id = $3))
                ORDER BY scheduled_at DESC, message_id DESC LIMIT $2
                """),
            r => Message(r, now), ct, ownerId, limit, beforeId, now, filter.GroupId, filter.ContactId);

    /// <summary>The message with each delivery, or null when it is not this owner's.</summary>
    public async Task<MessageView?> GetAsync(string ownerId, Guid messageId, DateTimeOffset now, CancellationToken ct)
    {
        var messages = await dataSource.QueryAsync(WithProgress("SELECT * FROM rm.messages WHERE owner_id = $1 AND message_id = $2"), r => Message(r, now), ct, ownerId, messageId);
        if (messages.Count == 0)
        {
            return null;
        }

        var deliveries = await dataSource.QueryAsync(
            "SELECT delivery_id, contact_id, contact_name, channel, address, status, attempts, last_error, cancel_reason FROM rm.messages_deliveries WHERE message_id = $1 ORDER BY contact_name, channel",
            r => new DeliveryRow(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetInt32(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8)),
            ct, messageId);
        return new MessageView(messages[0], deliveries);
    }

    /// <summary>The failed deliveries the filter keeps, oldest failure first.</summary>
    /// <param name="after">Only those listed after this one: unlike an offset, a page stays put when deliveries before it leave the queue.</param>
    public Task<IReadOnlyList<FailedDeliveryRow>> FailedAsync(FailedDeliveryFilter filter, int limit, int offset, FailedDeliveryCursor? after, CancellationToken ct)
    {
        var parameters = new NumberedParameters(limit, offset);
        var where = (filter.Owner is { } owner ? $"d.owner_id = {parameters.Add(owner)} AND " : "")
            + (filter.Channel is { } channel ? $"d.channel = {parameters.Add(channel)} AND " : "")
            + (filter.FailedSince is { } since ? $"d.failed_at >= {parameters.Add(since.ToUniversalTime())} AND " : "")
            + (after is { } cursor ? $"(d.failed_at, d.delivery_id) > ({parameters.Add(cursor.FailedAt.ToUniversalTime())}, {parameters.Add(cursor.DeliveryId)}) AND " : "");
        return dataSource.QueryAsync($"""
            SELECT d.delivery_id, d.message_id, d.owner_id, m.text, d.contact_id, d.contact_name, d.channel, d.address, m.not_before, d.attempts, d.last_error, d.failed_at
            FROM rm.messages_deliveries d JOIN rm.messages m ON m.message_id = d.message_id
            WHERE {where}d.status = 'failed'
            ORDER BY d.failed_at, d.delivery_id LIMIT $1 OFFSET $2
            """,
            r => new FailedDeliveryRow(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetGuid(4), r.GetString(5), r.GetString(6), r.GetString(7),
                r.GetFieldValue<DateTimeOffset>(8), r.GetInt32(9), r.IsDBNull(10) ? null : r.GetString(10), r.GetFieldValue<DateTimeOffset>(11)),
            ct, parameters.Values);
    }

    /// <summary>Deliveries to a contact that have not gone out and are not in flight: (message, owner, delivery).</summary>
    public Task<IReadOnlyList<DeliveryRef>> WaitingDeliveriesToAsync(Guid contactId, CancellationToken ct) =>
        dataSource.QueryAsync(
            "SELECT message_id, owner_id, delivery_id FROM rm.messages_deliveries WHERE contact_id = $1 AND status IN ('scheduled', 'retrying', 'failed')",
            r => new DeliveryRef(r.GetGuid(0), r.GetString(1), r.GetGuid(2)), ct, contactId);

    /// <summary>
    /// The messages <paramref name="picked"/> selects, each with its deliveries counted. Counted
    /// after the pick's limit: otherwise PostgreSQL counts every message of the owner before it
    /// sorts (measured: 4 s for an owner with 20,000 messages, 29 ms this way; ADR 0034). Its
    /// groups are read through the row as JSON: a node that serves the read model as built before
    /// them (another node leads it, and adds the column when it takes it over) reads none.
    /// </summary>
    private static string WithProgress(string picked) => $"""
        SELECT m.message_id, m.text, m.not_before, m.status, m.scheduled_at, m.cancelled_at, p.total, p.delivered, p.failed, p.pending, p.cancelled, p.discarded,
               (to_jsonb(m) -> 'groups')::text
        FROM ({picked}) m CROSS JOIN LATERAL (
            SELECT count(*)::int AS total, count(*) FILTER (WHERE d.status = 'delivered')::int AS delivered, count(*) FILTER (WHERE d.status = 'failed')::int AS failed,
                   count(*) FILTER (WHERE d.status IN {MessagesProjection.StillToEnd})::int AS pending,
                   count(*) FILTER (WHERE d.status = 'cancelled')::int AS cancelled, count(*) FILTER (WHERE d.status = 'discarded')::int AS discarded
            FROM rm.messages_deliveries d WHERE d.message_id = m.message_id) p
        ORDER BY m.scheduled_at DESC, m.message_id DESC
        """;

    /// <summary>
    /// The SQL that keeps the messages <paramref name="status"/> names ($4 is now), in the terms of
    /// <see cref="StateOf"/>: what it shows is what the filter keeps. Checked message by message as
    /// the owner's are walked newest first, so a page stops at its limit.
    /// </summary>
    private static string InState(string? status) => status switch
    {
        null => "TRUE",
        Cancelled => "m.status = 'cancelled'",
        Done => $"m.status <> 'cancelled' AND NOT {Waiting}",
        Scheduled => $"m.status <> 'cancelled' AND m.not_before > $4 AND {Waiting}",
        Sending => $"m.status <> 'cancelled' AND m.not_before <= $4 AND {Waiting}",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not a message state."),
    };

    // $5 is the group. Read through the row as JSON, as the groups are shown (WithProgress): an
    // old node's read model has no column for them, and then no message matches.
    private const string SentToGroup = "($5::uuid IS NULL OR (to_jsonb(m) -> 'groups') @> jsonb_build_array(jsonb_build_object('id', $5::text)))";

    // $6 is the contact: any delivery to it, even one cancelled when it was taken off the message.
    private const string SentToContact = "($6::uuid IS NULL OR EXISTS (SELECT 1 FROM rm.messages_deliveries d WHERE d.message_id = m.message_id AND d.contact_id = $6))";

    private const string Waiting = $"EXISTS (SELECT 1 FROM rm.messages_deliveries d WHERE d.message_id = m.message_id AND d.status IN {MessagesProjection.StillToEnd})";

    private const string Scheduled = "scheduled";
    private const string Sending = "sending";
    private const string Done = "done";
    private const string Cancelled = "cancelled";

    /// <summary>What a message's status can be, and a list can be filtered by.</summary>
    public static readonly IReadOnlyList<string> MessageStates = [Scheduled, Sending, Done, Cancelled];

    private static string StateOf(string own, DateTimeOffset notBefore, DeliveryProgress progress, DateTimeOffset now) =>
        own == Cancelled ? Cancelled
        : progress.Pending == 0 ? Done
        : notBefore > now ? Scheduled
        : Sending;

    private static MessageRow Message(NpgsqlDataReader r, DateTimeOffset now)
    {
        var notBefore = r.GetFieldValue<DateTimeOffset>(2);
        var progress = new DeliveryProgress(r.GetInt32(6), r.GetInt32(7), r.GetInt32(8), r.GetInt32(9), r.GetInt32(10), r.GetInt32(11));
        return new(r.GetGuid(0), r.GetString(1), notBefore, StateOf(r.GetString(3), notBefore, progress, now), r.GetFieldValue<DateTimeOffset>(4),
            r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5), progress, MessageGroup.FromJson(r.IsDBNull(12) ? null : r.GetString(12)));
    }
}
