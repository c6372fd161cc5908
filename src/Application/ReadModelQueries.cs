namespace EventSourced.Application;

/// <summary>
/// Read-model queries run on database connections of their own, which plan each execution for its
/// values (the store's plan once, ADR 0029); this is the dependency-injection key they are registered under.
/// </summary>
public static class ReadModelQueries
{
    public const string DataSourceKey = "read-model-queries";
}
