using EventSourced.Application.Tickets;

namespace EventSourced.Infrastructure.Tickets.Kafka;

/// <summary>What replaying a dead letter did: applied (and removed), still failing (and why), or there was none.</summary>
public sealed record ReplayResult(bool Found, IngestOutcome? Applied, string? Reason);

/// <summary>Applies a dead letter again, after a fix: as the record it was, with the same derived event ids.</summary>
public sealed class DeadLetterReplay(IngestDeadLetters deadLetters, TicketRecords records)
{
    public async Task<ReplayResult> ReplayAsync(long id, CancellationToken ct)
    {
        if (await deadLetters.FindAsync(id, ct) is not { } letter)
        {
            return new ReplayResult(false, null, null);
        }

        try
        {
            var outcome = await records.ApplyAsync(letter.ToRecord(), ct);
            await deadLetters.RemoveAsync(id, ct);
            return new ReplayResult(true, outcome, null);
        }
        catch (UnappliableRecordException e)
        {
            await deadLetters.UpdateReasonAsync(id, e.Message, ct);
            return new ReplayResult(true, null, e.Message);
        }
    }
}
