using EventSourced.Application.Privacy;
using EventSourced.Domain.Messages;

namespace EventSourced.Infrastructure.Deliveries;

/// <summary>
/// A step's sends as they travel on the bus: each attempt's address and own text sealed under its
/// contact's key (ADR 0025). What waits on the broker (whose queues are files on its disk) then
/// holds no personal data in clear, and a send that reaches the sender after its contact was
/// forgotten cannot be read, so it does not go out. Attempts to no contact (a deploy's outlets)
/// travel as they are.
/// </summary>
public sealed class SealedSends(SubjectKeyRing keys)
{
    private static readonly IReadOnlyDictionary<Guid, byte[]?> NoKeys = new Dictionary<Guid, byte[]?>();

    /// <summary>
    /// The attempts sealed; null if none is left to send. One whose contact was forgotten since
    /// the step decided is left out: it is counted lost at its time-out, and then cancelled, its
    /// address reading as erased.
    /// </summary>
    public async Task<SendSealedDeliveries?> SealAsync(Message message, IReadOnlyList<DeliveryAttempt> started, CancellationToken ct)
    {
        var startedIds = started.Select(a => a.DeliveryId).ToHashSet();
        var contactOf = message.Deliveries
            .Where(d => d.ContactId != Guid.Empty && startedIds.Contains(d.DeliveryId))
            .ToDictionary(d => d.DeliveryId, d => d.ContactId);
        var sealedAttempts = new List<DeliveryAttempt>(started.Count);
        foreach (var attempt in started)
        {
            if (!contactOf.TryGetValue(attempt.DeliveryId, out var contactId))
            {
                sealedAttempts.Add(attempt);
            }
            else if (await KeyOfAsync(Subject.Contact(message.OwnerId, contactId), ct) is { } key)
            {
                string[] values = attempt.Text is null ? [attempt.Address] : [attempt.Address, attempt.Text];
                sealedAttempts.Add(attempt with { Address = "", Text = null, Sealed = FieldCipher.Seal(key, attempt.DeliveryId, attempt.Attempt, values) });
            }
        }

        return sealedAttempts.Count == 0 ? null : new SendSealedDeliveries(message.Id, message.Text, sealedAttempts);
    }

    /// <summary>Each attempt as it is to be sent, or null where its key is gone (its contact forgotten, or the key lost).</summary>
    public async Task<IReadOnlyList<DeliveryAttempt?>> OpenAsync(IReadOnlyList<DeliveryAttempt> attempts, CancellationToken ct)
    {
        var keyIds = attempts.Select(a => a.Sealed is { } text ? FieldCipher.KeyIdOf(text) : null).OfType<Guid>().ToHashSet();
        var found = keyIds.Count == 0 ? NoKeys : await keys.KeysAsync(keyIds, ct);
        return [.. attempts.Select(a => Opened(a, found))];
    }

    private async ValueTask<SubjectKey?> KeyOfAsync(Subject contact, CancellationToken ct)
    {
        try
        {
            return (await keys.KeysForAsync([contact], ct))[0];
        }
        catch (ForgottenSubjectException)
        {
            return null;
        }
    }

    private static DeliveryAttempt? Opened(DeliveryAttempt attempt, IReadOnlyDictionary<Guid, byte[]?> keys)
    {
        if (attempt.Sealed is not { } text)
        {
            return attempt;
        }

        return FieldCipher.KeyIdOf(text) is { } keyId
            && keys.TryGetValue(keyId, out var material) && material is not null
            && FieldCipher.Open(new SubjectKey(keyId, material), text) is { Count: > 0 } values
            ? attempt with { Address = values[0], Text = values.Count > 1 ? values[1] : null, Sealed = null }
            : null;
    }
}
