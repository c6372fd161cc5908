using EventSourced.Domain.Deciding;

namespace EventSourced.Domain.Tickets;

public sealed class InvalidRefundException(string reason) : DomainException(reason)
{
    public override string Code => "invalid_refund";
}
