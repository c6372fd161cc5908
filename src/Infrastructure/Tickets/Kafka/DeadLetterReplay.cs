using EventSourced.Application.Tickets;

namespace EventSourced.Infrastructure.Tickets.Kafka;

/// <summary>What replaying a dead letter did: applied (and removed), still failing (and why), or there was none.</summary>
public sealed record ReplayResult(bool Found, IngestOutcome? Applied, string? Reason);

/// <summary>What replaying every dead letter did: how many were applied (and removed), and which still fail (they stay, with their new reasons).</summary>
/// <param name="Position">The last event appended, for a query to wait for; null when none was.</param>
public sealed record ReplayAllResult(int Applied, IReadOnlyList<long> StillFailing, long? Position);

/// <summary>Applies a dead letter again, after a fix: as the record it was, with the same derived event ids.</summary>
public sealed class DeadLetterReplay(IngestDeadLetters deadLetters, TicketRecords records)
{
    private const int Page = 100;

    /// <summary>
    /// Every dead letter (or a topic's) in the order they came, as the consumer would have applied
    /// them (a later change of a show wins): after a fix, hundreds may have failed for one reason.
    /// </summary>
    public async Task<ReplayAllResult> ReplayAllAsync(string? topic, CancellationToken ct)
    {
        var (applied, stillFailing, after, position) = (0, new List<long>(), 0L, (long?)null);
        while (await deadLetters.ListAsync(Page, after, topic, ct) is { Count: > 0 } letters)
        {
            foreach (var letter in letters)
            {
                // The letter in hand, not read again by its id.
                switch (await ReplayAsync(letter, ct))
                {
                    case { Applied: { } outcome }:
                        applied++;
                        position = outcome.Position ?? position;
                        break;
                    case { Found: true }:
                        stillFailing.Add(letter.Id);
                        break;
                }
            }

            after = letters[^1].Id;
        }

        return new ReplayAllResult(applied, stillFailing, position);
    }

    public async Task<ReplayResult> ReplayAsync(long id, CancellationToken ct) =>
        await deadLetters.FindAsync(id, ct) is { } letter ? await ReplayAsync(letter, ct) : new ReplayResult(false, null, null);

    private async Task<ReplayResult> ReplayAsync(IngestDeadLetter letter, CancellationToken ct)
    {
        try
        {
            var outcome = await records.ApplyAsync(letter.ToRecord(), ct);
            await deadLetters.RemoveAsync(letter.Id, ct);
            return new ReplayResult(true, outcome, null);
        }
        catch (UnappliableRecordException e)
        {
            await deadLetters.UpdateReasonAsync(letter.Id, e.Message, ct);
            return new ReplayResult(true, null, e.Message);
        }
    }
}
