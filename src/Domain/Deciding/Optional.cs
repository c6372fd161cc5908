namespace EventSourced.Domain.Deciding;

/// <summary>A value that may be absent, to tell "leave as is" (default) from "set to null" in partial updates.</summary>
public readonly record struct Optional<T>(bool HasValue, T Value)
{
    public T Or(T current) => HasValue ? Value : current;
}

public static class Optional
{
    public static Optional<T> Of<T>(T value) => new(true, value);
}
