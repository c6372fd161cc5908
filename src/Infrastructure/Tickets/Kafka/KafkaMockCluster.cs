using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace EventSourced.Infrastructure.Tickets.Kafka;

/// <summary>
/// librdkafka's built-in Kafka-protocol mock cluster, in this process: real brokers on loopback
/// that real clients talk to, for tests and the development run (Kafka:Embedded), never for
/// production. It is reached through the same native library Confluent.Kafka loaded, so both
/// share one librdkafka.
/// </summary>
public sealed partial class KafkaMockCluster : IDisposable
{
    private const string Library = "librdkafka";
    private static int _resolverSet;
    private readonly IntPtr _handle;
    private readonly IntPtr _cluster;

    private KafkaMockCluster(IntPtr handle, IntPtr cluster)
    {
        _handle = handle;
        _cluster = cluster;
        BootstrapServers = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(cluster)) ?? throw new InvalidOperationException("The mock cluster has no address.");
    }

    /// <summary>The brokers' loopback addresses, for bootstrap.servers.</summary>
    public string BootstrapServers { get; }

    public static KafkaMockCluster Start(int brokers = 1)
    {
        UseConfluentsLibrary();
        var errors = new byte[512];
        var conf = rd_kafka_conf_new();
        // This handle only hosts the cluster and never connects: its notice that it has no
        // bootstrap.servers would be noise in the log. Errors still show.
        rd_kafka_conf_set(conf, "log_level", "3", errors, (UIntPtr)errors.Length);
        var handle = rd_kafka_new(0, conf, errors, (UIntPtr)errors.Length);
        if (handle == IntPtr.Zero)
        {
            throw new InvalidOperationException($"librdkafka refused a handle for the mock cluster: {System.Text.Encoding.UTF8.GetString(errors).TrimEnd('\0')}");
        }

        var cluster = rd_kafka_mock_cluster_new(handle, brokers);
        if (cluster == IntPtr.Zero)
        {
            rd_kafka_destroy(handle);
            throw new InvalidOperationException("librdkafka could not start a mock cluster.");
        }

        // Consumers join at once instead of after the default 3 s first-rebalance delay.
        rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, 0);
        return new KafkaMockCluster(handle, cluster);
    }

    /// <summary>Creates a topic (AdminClient's CreateTopics times out on the mock).</summary>
    public void CreateTopic(string topic, int partitions)
    {
        var error = rd_kafka_mock_topic_create(_cluster, topic, partitions, 1);
        if (error != 0)
        {
            throw new InvalidOperationException($"The mock cluster did not create topic {topic}: {(ErrorCode)error}.");
        }
    }

    /// <summary>The next <paramref name="errors"/>.Length requests of this API (Kafka protocol API key: 1 Fetch, 8 OffsetCommit, ...) fail with these errors.</summary>
    public void FailNextRequests(short apiKey, params ErrorCode[] errors) =>
        rd_kafka_mock_push_request_errors_array(_cluster, apiKey, (UIntPtr)errors.Length, [.. errors.Select(e => (int)e)]);

    public void ClearRequestErrors(short apiKey) => rd_kafka_mock_clear_request_errors(_cluster, apiKey);

    public void Dispose()
    {
        rd_kafka_mock_cluster_destroy(_cluster);
        rd_kafka_destroy(_handle);
    }

    /// <summary>Resolves this assembly's librdkafka imports to the file Confluent.Kafka loaded (on Debian 12 its centos8 build).</summary>
    private static void UseConfluentsLibrary()
    {
        if (Interlocked.Exchange(ref _resolverSet, 1) == 1)
        {
            return;
        }

        _ = Confluent.Kafka.Library.Version; // loads it
        var path = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 6 && f[5].EndsWith("librdkafka.so", StringComparison.Ordinal))
            .Select(f => f[5]).FirstOrDefault() ?? throw new InvalidOperationException("Confluent.Kafka's librdkafka is not loaded in this process.");
        NativeLibrary.SetDllImportResolver(typeof(KafkaMockCluster).Assembly, (name, _, _) => name == Library ? NativeLibrary.Load(path) : IntPtr.Zero);
    }

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, [Out] byte[] errstr, UIntPtr errstrSize);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_new(int type, IntPtr conf, [Out] byte[] errstr, UIntPtr errstrSize);

    [LibraryImport(Library)]
    private static partial void rd_kafka_destroy(IntPtr rk);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokers);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_cluster_destroy(IntPtr cluster);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitions, int replicationFactor);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr cluster, int delayMs);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_clear_request_errors(IntPtr cluster, short apiKey);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_push_request_errors_array(IntPtr cluster, short apiKey, UIntPtr count, int[] errors);
}
