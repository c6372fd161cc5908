using System.Text.RegularExpressions;

namespace EventSourced.Infrastructure.EventStore;

public sealed partial class EventStoreOptions
{
    private string _schema = "es";

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

    /// <summary>How long a read of $all waits for committed events held behind transactions still in flight.</summary>
    public TimeSpan ReadAllSettleTimeout { get; set; } = TimeSpan.FromSeconds(1);

    public string NotificationChannel => $"{Schema}_appended";

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,50}$")]
    private static partial Regex IdentifierPattern();
}
