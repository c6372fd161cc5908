namespace EventSourced.Domain.Deciding;

/// <summary>A command was refused by a business rule. Subclasses name the rule.</summary>
public abstract class DomainException(string message) : Exception(message)
{
    /// <summary>Stable, machine-readable name of the broken rule (used as the problem type).</summary>
    public abstract string Code { get; }
}
