namespace EventSourced.IntegrationTests.Faults;

/// <summary>
/// Tests that stop a service every test shares (PostgreSQL, RabbitMQ), or hold a transaction open
/// (which holds back every database's $all horizon, ADR 0007), run alone, after all the others.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SharedServiceRestarts
{
    public const string Name = "Restarts shared services";
}
