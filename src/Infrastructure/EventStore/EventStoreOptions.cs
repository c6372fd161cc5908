using System.Text.RegularExpressions;
using EventSourced.Infrastructure.Privacy;

namespace EventSourced.Infrastructure.EventStore;

public sealed partial class EventStoreOptions
{
    private string _schema = "es";
    private KeyWrapping? _keyWrapping;

    /// <summary>PostgreSQL schema holding the event store tables.</summary>
    public string Schema
    {
        get => _schema;
        set => _schema = IdentifierPattern().IsMatch(value) ? value : throw new ArgumentException($"'{value}' is not a plain lower-case SQL identifier.", nameof(value));
    }

    /// <summary>How often an idle subscription looks for events even without a notification.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public int SubscriptionBatchSize { get; set; } = 1000;

    /// <summary>
    /// The least time between a live subscription's reads. Under a steady stream of appends each
    /// subscription would otherwise read once per append (or per in-flight check); waiting this
    /// long lets the appends gather into one read, for this much more lag at most.
    /// </summary>
    public TimeSpan LiveReadInterval { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>How long a starting node waits for its database to answer before it gives up (and exits).</summary>
    public TimeSpan StartupDatabaseWait { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often a starting node that waits for another node's schema migration says which session
    /// holds it (its wait has no end of its own: a migration may rewrite a large table).
    /// </summary>
    public TimeSpan MigrationTurnReportInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a read of $all waits for committed events held behind transactions still in flight.</summary>
    public TimeSpan ReadAllSettleTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long either end of a connection stays silent before the other takes it for gone (its
    /// host died or was cut off, ADR 0044): the database then ends this node's session and gives
    /// back what it held (a read model's leadership, the migration's lock, a transaction's row
    /// locks), and this node drops a connection to a database host gone, its LISTEN one included.
    /// Zero leaves the server's and the connection string's settings: by default the system's,
    /// over two hours.
    /// </summary>
    public TimeSpan DeadConnectionTimeout { get; set; } = DefaultDeadConnectionTimeout;

    public static TimeSpan DefaultDeadConnectionTimeout { get; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Base64 of 32 random bytes: the key-encryption key new subjects' keys are wrapped under
    /// (ADR 0030). Keep it outside the database. Unset: keys are stored as they are.
    /// </summary>
    public string? KeyEncryptionKey { get; set; }

    /// <summary>Earlier key-encryption keys, still needed for the keys they wrapped until `subjects rewrap-keys` moved them all.</summary>
    public List<string> PreviousKeyEncryptionKeys { get; set; } = [];

    /// <summary>
    /// Refuse key rows stored unwrapped (ADR 0030): set once `subjects rewrap-keys` has wrapped every
    /// key, so that a key someone put in the table in clear is never used. Needs <see cref="KeyEncryptionKey"/>.
    /// </summary>
    public bool RefuseUnwrappedKeys { get; set; }

    /// <summary>Built from the settings above when first needed (after binding); not public, so binding never reads it.</summary>
    internal KeyWrapping KeyWrapping => _keyWrapping ??= KeyWrapping.From(KeyEncryptionKey, PreviousKeyEncryptionKeys, RefuseUnwrappedKeys);

    /// <summary>
    /// The key aliases are hashed under (ADR 0031), as the first reader of this node found it in the
    /// database: one read a node, shared by everything that writes or looks up aliases.
    /// </summary>
    internal AliasHashKey? AliasHashKey { get; set; }

    public string NotificationChannel => $"{Schema}_appended";

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,50}$")]
    private static partial Regex IdentifierPattern();
}
