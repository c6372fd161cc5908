using EventSourced.Application.EventStore;
using EventSourced.Domain.Deploys;
using EventSourced.Projections.Runner;

namespace EventSourced.Projections.Deploys;

/// <summary>Every reported deploy status, for timelines, current status per environment and lookups by ticket.</summary>
public sealed class DeploysProjection : IProjection
{
    public string Name => "deploys";

    public int Version => 1;

    public EventFilter Filter { get; } = EventFilter.ForCategory("deploys");

    public string CreateTableSql(string table) => $"""
        CREATE TABLE {table} (
            position     bigint      PRIMARY KEY,
            application  text        NOT NULL,
            environment  text        NOT NULL,
            version      text        NOT NULL,
            status       text        NOT NULL,
            comment      text,
            ticket_keys  text[]      NOT NULL,
            source       text        NOT NULL,
            reported_at  timestamptz NOT NULL);
        CREATE INDEX ON {table} (application, environment, position DESC);
        CREATE INDEX ON {table} USING gin (ticket_keys);
        """;

    public void Apply(ProjectionWrite write, RecordedEvent recorded, object @event)
    {
        if (@event is DeployStatusReported e)
        {
            write.Execute(
                $"INSERT INTO {write.Table} (position, application, environment, version, status, comment, ticket_keys, source, reported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                recorded.Position, e.Application, e.Environment, e.Version, e.Status.ToString().ToLowerInvariant(), e.Comment, e.TicketKeys.ToArray(), e.Source, e.ReportedAt);
        }
    }
}
