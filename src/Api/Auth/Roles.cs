namespace EventSourced.Api.Auth;

public static class Roles
{
    /// <summary>Keeps contacts, sends messages, chats; sees only what it owns.</summary>
    public const string User = "user";

    /// <summary>Answers site visitors in chat conversations.</summary>
    public const string Manager = "manager";

    /// <summary>Admin and audit endpoints; moderates chats.</summary>
    public const string Operator = "operator";

    /// <summary>CI and deploy hooks reporting deploys.</summary>
    public const string DeploySource = "deploy-source";

    /// <summary>The ticket seller's integration.</summary>
    public const string TicketSource = "ticket-source";

    /// <summary>A site's backend: mints visitor tokens for its own visitors.</summary>
    public const string Site = "site";

    /// <summary>An anonymous site visitor holding a visitor token: their own chats only. Never given to an API key.</summary>
    public const string Visitor = "visitor";

    public static readonly string[] All = [User, Manager, Operator, DeploySource, TicketSource, Site];
}
