using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EventSourced.Api.Auth;

/// <summary>Visitor tokens (section Chat:VisitorTokens): a shared signing key, and how long a token lives.</summary>
public sealed class VisitorTokenOptions
{
    /// <summary>The HMAC-SHA256 key the site's backend and this service share: at least 32 bytes of UTF-8.</summary>
    public string? SigningKey { get; set; }

    public string Issuer { get; set; } = "eventsourced";

    public string Audience { get; set; } = "eventsourced-chat";

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

    public bool Configured => SigningKey is { } key && Encoding.UTF8.GetByteCount(key) >= 32;

    /// <exception cref="InvalidOperationException">No signing key of 32 bytes or more is configured.</exception>
    public SymmetricSecurityKey Key() => Configured
        ? new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey!))
        : throw new InvalidOperationException("Chat:VisitorTokens:SigningKey is not set (at least 32 bytes).");
}

/// <summary>
/// Short-lived signed tokens for anonymous site visitors: a standard JWT (HS256) whose subject is
/// the site's visitor id, so the site's backend may mint them itself with any JWT library and the
/// shared key, or ask POST /api/visitor-tokens with its site key. A token carries no role: its
/// bearer is always just that visitor (<see cref="Roles.Visitor"/>), whatever else it claims.
/// </summary>
public sealed class VisitorTokens(VisitorTokenOptions options, TimeProvider clock)
{
    public const string SchemeName = "VisitorToken";

    // Built once: a Bayeux handshake validates a token the same way the HTTP handler does.
    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters _validation = ValidationFor(options);

    public (string Token, DateTimeOffset ExpiresAt) Mint(string visitorId)
    {
        var now = clock.GetUtcNow();
        var expiresAt = now + options.Lifetime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, visitorId)]),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expiresAt.UtcDateTime,
            SigningCredentials = new SigningCredentials(options.Key(), SecurityAlgorithms.HmacSha256),
        });
        return (token, expiresAt);
    }

    /// <summary>The visitor a token is for; null when it is not one of ours, or expired.</summary>
    public async Task<string?> VisitorOfAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, _validation);
        return result.IsValid ? result.ClaimsIdentity.Name : null;
    }

    /// <summary>What a token must be to be accepted: ours, signed with HS256 by the shared key, unexpired.</summary>
    public static TokenValidationParameters ValidationFor(VisitorTokenOptions options) => new()
    {
        ValidIssuer = options.Issuer,
        ValidAudience = options.Audience,
        // An unconfigured node accepts no token at all: a random key nobody has.
        IssuerSigningKey = options.Configured ? options.Key() : new SymmetricSecurityKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        RequireExpirationTime = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = JwtRegisteredClaimNames.Sub,
    };

    /// <summary>The visitor the token is for, and nothing more: the role comes from here, never from the token.</summary>
    public static ClaimsPrincipal VisitorPrincipal(string visitorId) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, visitorId), new Claim(ClaimTypes.Role, Roles.Visitor)], SchemeName));
}
