namespace EventSourced.Application.Idempotency;

/// <summary>First responses to requests that carried an Idempotency-Key, per owner.</summary>
public interface IIdempotencyStore
{
    Task<StoredResponse?> FindAsync(string owner, string key, CancellationToken ct = default);

    /// <summary>Keeps the first response saved under the key; a later save for the same key is ignored.</summary>
    Task SaveAsync(string owner, string key, StoredResponse response, CancellationToken ct = default);

    /// <summary>
    /// Drops every response kept for the owner, as when one of their contacts is forgotten: a
    /// response may name it (an import's names, a problem naming a contact). A retry then runs
    /// again, as after a crash before its response was stored.
    /// </summary>
    Task ForgetOwnerAsync(string owner, CancellationToken ct = default);
}

/// <param name="RequestHash">Hash of method, path and body, to tell a retry from a different request reusing the key.</param>
public sealed record StoredResponse(string RequestHash, int Status, string? ContentType, byte[] Body, string? Location, string? ETag);
