using EventSourced.Application.EventStore;
using Npgsql;

namespace EventSourced.Projections.Runner;

/// <summary>
/// A read model: its tables and how each event changes them. <see cref="Apply"/> queues the
/// statements for an event; the runner sends a whole batch of them, with the checkpoint, in one
/// round trip and one transaction, so every event is applied exactly once. Tables are named per generation (a full build), and queries
/// read them through a view that the runner points at the active generation.
/// </summary>
public interface IProjection
{
    /// <summary>Stable name: the checkpoint key and the view's name (rm.{Name}).</summary>
    string Name { get; }

    /// <summary>Bumped when the table shape or the handlers change; a new version is built from the start.</summary>
    int Version { get; }

    EventFilter Filter { get; }

    /// <summary>
    /// DDL that creates the tables of one generation; <paramref name="table"/> is the qualified
    /// name of the main table, and each of <see cref="MoreTables"/> is that name plus its suffix.
    /// </summary>
    string CreateTableSql(string table);

    /// <summary>
    /// DDL of the indexes only queries need. They are created when a generation is about to serve,
    /// so that a rebuild does not maintain them row by row; indexes the handlers' own updates
    /// need belong in <see cref="CreateTableSql"/>.
    /// </summary>
    string ServingIndexesSql(string table) => "";

    /// <summary>
    /// DDL of what was added to this version after its generations were built, so that adding it
    /// costs no rebuild: nullable columns (`ALTER TABLE ... ADD COLUMN IF NOT EXISTS`, read as null
    /// in the rows written before) and indexes (`CREATE INDEX IF NOT EXISTS`, named with
    /// <see cref="Generation.IndexName"/>). The runner runs it on the serving generation when it
    /// takes over (and makes its views again, to show the columns), and on a new generation with
    /// <see cref="ServingIndexesSql"/>; a new generation's <see cref="CreateTableSql"/> has the columns already.
    /// </summary>
    string AddedSinceBuiltSql(string table) => "";

    /// <summary>
    /// DDL that lets this version's queries read the serving generation of an older version while
    /// this one is built (<paramref name="table"/>: that generation's main table): the columns
    /// this version added, nullable, which read as null until the new generation serves. Without
    /// it those queries fail for as long as the build takes. Run once, when this version's first
    /// generation is made; write it so that it can run on a table that has them already.
    /// </summary>
    string ExpandOlderSql(string table) => "";

    /// <summary>Suffixes of further tables, each served through its own view rm.{name}{suffix}.</summary>
    IReadOnlyList<string> MoreTables => [];

    void Apply(ProjectionWrite write, RecordedEvent recorded, object @event);

    /// <summary>
    /// Queues what removes one stream's rows, so that its events can be applied again
    /// (`projections rebuild NAME --stream ID`). False when this projection's rows cannot be told
    /// apart by stream, or the stream is not one of its own.
    /// </summary>
    bool ForgetStream(ProjectionWrite write, string streamId) => false;
}
