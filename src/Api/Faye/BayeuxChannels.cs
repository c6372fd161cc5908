using System.Security.Claims;
using EventSourced.Api.Auth;
using EventSourced.Application.Commands;
using EventSourced.Domain.Conversations;
using Microsoft.Extensions.Options;

namespace EventSourced.Api.Faye;

/// <summary>
/// Who a Bayeux client is (credentials in the message ext: a visitor token or an API key), and
/// which of the chat's channels it may hear:
/// - /service/{visitorId} and /notifications/{visitorId}: that visitor;
/// - /service/*: managers (and operators), to learn of every chat opened or handed on;
/// - /conversations/{id}: the chat's participants (and operators).
/// Nothing else, and no client publishes (docs/adr/0023).
/// </summary>
public sealed class BayeuxChannels(VisitorTokens tokens, IOptionsMonitor<ApiKeyOptions> keys, CommandHandler handler)
{
    public async Task<ClaimsPrincipal?> AuthenticateAsync(System.Text.Json.Nodes.JsonObject? ext)
    {
        if (BayeuxProtocol.Text(ext?["token"]) is { Length: > 0 } token)
        {
            return await tokens.VisitorOfAsync(token) is { } visitor ? VisitorTokens.VisitorPrincipal(visitor) : null;
        }

        return BayeuxProtocol.Text(ext?["apiKey"]) is { Length: > 0 } key ? ApiKeyAuthenticationHandler.PrincipalFor(key, keys.CurrentValue) : null;
    }

    public async Task<bool> MayHearAsync(ClaimsPrincipal who, string subscription, CancellationToken ct)
    {
        var name = who.Identity?.Name;
        var parts = subscription.Split('/');
        return parts switch
        {
            ["", "service", "*"] => who.IsInRole(Roles.Manager) || who.IsInRole(Roles.Operator),
            ["", "service" or "notifications", var visitor] => visitor.Length > 0 && !visitor.Contains('*', StringComparison.Ordinal) && visitor == name,
            ["", "conversations", var id] when Guid.TryParse(id, out var conversation) => await InConversationAsync(who, conversation, ct),
            _ => false,
        };
    }

    private async Task<bool> InConversationAsync(ClaimsPrincipal who, Guid id, CancellationToken ct)
    {
        var (chat, _) = await handler.LoadAsync(Conversation.Decider, Conversation.StreamId(id), ct);
        return chat.IsParticipant(who.Identity?.Name ?? "") || (who.IsInRole(Roles.Operator) && chat.Status != ConversationStatus.None);
    }
}
