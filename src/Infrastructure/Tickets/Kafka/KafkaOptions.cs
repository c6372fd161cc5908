using Confluent.Kafka;

namespace EventSourced.Infrastructure.Tickets.Kafka;

/// <summary>The seller's Kafka topics and how to reach them (section Kafka).</summary>
public sealed class KafkaOptions
{
    /// <summary>Whether this node consumes the seller's topics at all.</summary>
    public bool Enabled { get; set; }

    /// <summary>Start librdkafka's in-process mock cluster and consume from it: development only, refused in Production.</summary>
    public bool Embedded { get; set; }

    public string BootstrapServers { get; set; } = "";

    /// <summary>Where an embedded cluster's random loopback address is written, for `tickets produce` to find it.</summary>
    public string EmbeddedAddressFile { get; set; } = Path.Combine(Path.GetTempPath(), "eventsourced-kafka-embedded.address");

    /// <summary>Plaintext, Ssl, SaslPlaintext or SaslSsl (production: SaslSsl).</summary>
    public SecurityProtocol SecurityProtocol { get; set; } = SecurityProtocol.Plaintext;

    /// <summary>Production: ScramSha512.</summary>
    public SaslMechanism? SaslMechanism { get; set; }

    public string? SaslUsername { get; set; }

    public string? SaslPassword { get; set; }

    /// <summary>The provider's CA file, for TLS.</summary>
    public string? SslCaLocation { get; set; }

    public string GroupId { get; set; } = "eventsourced-tickets";

    public KafkaTopics Topics { get; set; } = new();

    /// <summary>How long the group waits for a silent member (a killed node) before giving its partitions to another.</summary>
    public int SessionTimeoutMs { get; set; } = 45_000;

    /// <summary>Records taken per poll and processed before one commit.</summary>
    public int MaxBatch { get; set; } = 2000;

    /// <summary>Entities (record keys) of a poll applied at once; one key's records always one after another.</summary>
    public int ApplyConcurrency { get; set; } = 128;

    /// <summary>The consumer configuration, or why this configuration cannot work: checked at start, not at the first record.</summary>
    public ConsumerConfig ToConsumerConfig() => new(ToClientConfig())
    {
        GroupId = GroupId,
        SessionTimeoutMs = SessionTimeoutMs,
        // At least once: offsets are committed by hand, after the record's events are appended.
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
    };

    /// <summary>How to reach the brokers and prove who we are, shared by the consumer and `tickets produce`.</summary>
    public ClientConfig ToClientConfig()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
        {
            throw new InvalidOperationException("Kafka:BootstrapServers is required when Kafka:Enabled is true.");
        }

        var sasl = SecurityProtocol is SecurityProtocol.SaslSsl or SecurityProtocol.SaslPlaintext;
        if (sasl && (string.IsNullOrEmpty(SaslUsername) || string.IsNullOrEmpty(SaslPassword)))
        {
            throw new InvalidOperationException($"Kafka:SecurityProtocol {SecurityProtocol} needs Kafka:SaslUsername and Kafka:SaslPassword; the password is missing or empty.");
        }

        var tls = SecurityProtocol is SecurityProtocol.SaslSsl or SecurityProtocol.Ssl;
        if (tls && SslCaLocation is { } ca && !File.Exists(ca))
        {
            throw new InvalidOperationException($"Kafka:SslCaLocation names '{ca}', which does not exist; give the provider's CA file.");
        }

        if (tls && SslCaLocation is null && SaslMechanism == Confluent.Kafka.SaslMechanism.ScramSha512)
        {
            throw new InvalidOperationException("Kafka:SslCaLocation is required with SASL_SSL and SCRAM-SHA-512: the provider's CA file.");
        }

        return new ClientConfig
        {
            BootstrapServers = BootstrapServers,
            SecurityProtocol = SecurityProtocol,
            SaslMechanism = sasl ? SaslMechanism ?? Confluent.Kafka.SaslMechanism.ScramSha512 : null,
            SaslUsername = sasl ? SaslUsername : null,
            SaslPassword = sasl ? SaslPassword : null,
            SslCaLocation = tls ? SslCaLocation : null,
        };
    }
}

/// <summary>The seller has not fixed its topic names: one per kind of record.</summary>
public sealed class KafkaTopics
{
    public string Events { get; set; } = "events";

    public string Orders { get; set; } = "orders";

    public string Refunds { get; set; } = "refunds";

    /// <summary>The three topics consumed.</summary>
    public IReadOnlyList<string> All => [Events, Orders, Refunds];
}
