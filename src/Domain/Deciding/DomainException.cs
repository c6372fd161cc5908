namespace EventSourced.Domain.Deciding;

/// <summary>A command was refused by a business rule. Subclasses name the rule.</summary>
public abstract class DomainException(string message) : Exception(message)
{
    /// <summary>Stable, machine-readable name of the broken rule (used as the problem type).</summary>
    public abstract string Code { get; }

    /// <summary>What kind of refusal this is, so that the edge can answer in its own terms.</summary>
    public virtual DomainErrorKind Kind => DomainErrorKind.RuleViolated;

    /// <summary>Facts a client needs to act on the refusal (for example which recipients are unknown).</summary>
    public virtual IReadOnlyDictionary<string, object?> Details { get; } = new Dictionary<string, object?>();
}

public enum DomainErrorKind
{
    /// <summary>The command breaks a rule in the current state.</summary>
    RuleViolated,

    /// <summary>The command names something that does not exist.</summary>
    NotFound,

    /// <summary>The command collides with something that exists (a duplicate name, a reused id).</summary>
    Conflict,

    /// <summary>The command was based on a revision that is no longer current.</summary>
    Stale,
}
