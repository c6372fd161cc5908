namespace EventSourced.Application.EventStore;

/// <summary>What the writer believes about the stream before appending.</summary>
public readonly record struct ExpectedVersion
{
    private ExpectedVersion(ExpectedVersionKind kind, long version) => (Kind, Version) = (kind, version);

    public ExpectedVersionKind Kind { get; }

    /// <summary>The exact version (0-based number of the last event) when <see cref="Kind"/> is Exact.</summary>
    public long Version { get; }

    /// <summary>No check: append whatever the stream holds.</summary>
    public static ExpectedVersion Any { get; } = new(ExpectedVersionKind.Any, -1);

    /// <summary>The stream must not have any event yet.</summary>
    public static ExpectedVersion NoStream { get; } = new(ExpectedVersionKind.NoStream, -1);

    /// <summary>The stream must have at least one event.</summary>
    public static ExpectedVersion StreamExists { get; } = new(ExpectedVersionKind.StreamExists, -1);

    /// <summary>The stream's last event must have exactly this version.</summary>
    public static ExpectedVersion Exactly(long version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        return new(ExpectedVersionKind.Exact, version);
    }

    /// <summary>Exactly <paramref name="version"/>, or NoStream for -1 (the version of an empty stream).</summary>
    public static ExpectedVersion From(long version) => version < 0 ? NoStream : Exactly(version);

    public override string ToString() => Kind == ExpectedVersionKind.Exact ? Version.ToString(System.Globalization.CultureInfo.InvariantCulture) : Kind.ToString();
}

public enum ExpectedVersionKind
{
    Any = 0,
    NoStream = 1,
    StreamExists = 2,
    Exact = 3,
}
