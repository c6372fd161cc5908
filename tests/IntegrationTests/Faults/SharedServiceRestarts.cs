namespace EventSourced.IntegrationTests.Faults;

/// <summary>Tests that stop a service every test shares (PostgreSQL, RabbitMQ) run alone, after all the others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SharedServiceRestarts
{
    public const string Name = "Restarts shared services";
}
