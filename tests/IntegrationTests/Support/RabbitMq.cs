using System.Diagnostics;

namespace EventSourced.IntegrationTests.Support;

/// <summary>The RabbitMQ broker on loopback that scripts/test.sh starts, managed with rabbitmqctl.</summary>
public static class RabbitMq
{
    private static readonly string Broker = Environment.GetEnvironmentVariable("RABBITMQ_HOST") ?? "127.0.0.1:5672";

    public static string Uri(string virtualHost) => $"amqp://guest:guest@{Broker}/{virtualHost}";

    /// <summary>
    /// The virtual host of the test database's nodes, named after it so that test classes running
    /// side by side never take each other's messages; deleted when the database is dropped.
    /// </summary>
    public static string VirtualHostOf(TestDatabase database)
    {
        // add_vhost of an existing one fails harmlessly (a second node over the same database).
        Ctl("add_vhost", database.Name);
        Ctl("set_permissions", "-p", database.Name, "guest", ".*", ".*", ".*").ThrowIfFailed();
        database.RemoveAlongside("rabbitmq-vhost", () => Ctl("delete_vhost", database.Name));
        return database.Name;
    }

    /// <summary>How many messages each queue of the virtual host holds.</summary>
    public static IReadOnlyDictionary<string, int> MessagesByQueue(string virtualHost)
    {
        var (code, output) = Ctl("list_queues", "-p", virtualHost, "--no-table-headers", "name", "messages");
        (code, output).ThrowIfFailed();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t', StringSplitOptions.TrimEntries))
            .Where(fields => fields.Length == 2 && int.TryParse(fields[1], out _))
            .ToDictionary(fields => fields[0], fields => int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Stops the broker's application (the node stays up to be started again); connections drop.</summary>
    public static void StopBroker() => Ctl("stop_app").ThrowIfFailed();

    public static void StartBroker()
    {
        Ctl("start_app").ThrowIfFailed();
        Ctl("await_startup").ThrowIfFailed();
    }

    private static (int Code, string Output) Ctl(params string[] args)
    {
        var start = new ProcessStartInfo("rabbitmqctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args.Prepend("-q"))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    private static void ThrowIfFailed(this (int Code, string Output) result)
    {
        if (result.Code != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl failed ({result.Code}): {result.Output}");
        }
    }
}
