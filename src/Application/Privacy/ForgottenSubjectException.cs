using EventSourced.Domain.Deciding;

namespace EventSourced.Application.Privacy;

/// <summary>
/// An event names a contact whose key was destroyed: it was forgotten while the command was under
/// way (decided on the book as it was before). Nothing is stored: a new key would bring the
/// contact's data back under its old id (ADR 0025).
/// </summary>
public sealed class ForgottenSubjectException()
    : DomainException("A contact this names was forgotten meanwhile: its data is erased for good, and nothing new is written about it.")
{
    public override string Code => "contact_withheld";
}
