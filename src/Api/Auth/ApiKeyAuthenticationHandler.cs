using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace EventSourced.Api.Auth;

/// <summary>Authenticates "Authorization: ApiKey &lt;key&gt;" or "X-Api-Key: &lt;key&gt;" against the configured key hashes.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<ApiKeyOptions> keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedKey(Request);
        if (presented is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        // Never echo or log the key itself.
        return Task.FromResult(PrincipalFor(presented, keys.CurrentValue) is { } principal
            ? AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName))
            : AuthenticateResult.Fail("Unknown API key."));
    }

    /// <summary>Who a key is (also for keys that come in other ways than a header, as in Bayeux's ext); null for an unknown key.</summary>
    public static ClaimsPrincipal? PrincipalFor(string presented, ApiKeyOptions keys)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        if (keys.ApiKeys.FirstOrDefault(k => Matches(k.Hash, hash)) is not { } entry)
        {
            return null;
        }

        var claims = entry.Roles.Select(r => new Claim(ClaimTypes.Role, r))
            .Concat((entry.Sources ?? [entry.Subject]).Select(s => new Claim(AuthExtensions.SourceClaim, s)))
            .Prepend(new Claim(ClaimTypes.Name, entry.Subject));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        return base.HandleChallengeAsync(properties);
    }

    public static string HashOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string? PresentedKey(HttpRequest request)
    {
        var header = request.Headers[HeaderName].ToString();
        if (header.Length > 0)
        {
            return header;
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith(SchemeName + " ", StringComparison.OrdinalIgnoreCase) ? authorization[(SchemeName.Length + 1)..].Trim() : null;
    }

    private static bool Matches(string configuredHex, byte[] presentedHash)
    {
        try
        {
            return CryptographicOperations.FixedTimeEquals(Convert.FromHexString(configuredHex), presentedHash);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
