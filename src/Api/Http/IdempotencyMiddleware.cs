using System.Security.Cryptography;
using System.Text;
using EventSourced.Api.Auth;
using EventSourced.Application.Idempotency;
using Microsoft.AspNetCore.Mvc;

namespace EventSourced.Api.Http;

/// <summary>
/// A POST that carries an Idempotency-Key gets the same response every time it is retried, and
/// appends nothing the second time. The first response is stored per (owner, key). New entity
/// ids are derived from the key (<see cref="NewId"/>), so that a retry after a crash between the
/// append and storing the response finds its own work done instead of doing it again.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, IIdempotencyStore store, IProblemDetailsService problems)
{
    public const string HeaderName = "Idempotency-Key";
    private const int MaxKeyLength = 200;
    private const string SeedItem = "idempotency-seed";
    private const string CounterItem = "idempotency-counter";

    public async Task InvokeAsync(HttpContext context)
    {
        var key = context.Request.Headers[HeaderName].ToString();
        if (!HttpMethods.IsPost(context.Request.Method) || key.Length == 0 || context.User.Identity?.IsAuthenticated != true)
        {
            await next(context);
            return;
        }

        if (key.Length > MaxKeyLength || key.Any(char.IsControl))
        {
            await WriteProblemAsync(context, StatusCodes.Status400BadRequest, Problems.BadRequest, $"{HeaderName} must be 1 to {MaxKeyLength} printable characters.");
            return;
        }

        var owner = context.Subject();
        var requestHash = await HashRequestAsync(context.Request);
        if (await store.FindAsync(owner, key, context.RequestAborted) is { } first)
        {
            await ReplayAsync(context, first, requestHash);
            return;
        }

        context.Items[SeedItem] = $"{owner}\n{key}";
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        // Server errors are not answers: a retry should try again.
        if (context.Response.StatusCode < StatusCodes.Status500InternalServerError)
        {
            var response = context.Response;
            await store.SaveAsync(owner, key, new StoredResponse(requestHash, response.StatusCode, response.ContentType, buffer.ToArray(), response.Headers.Location, response.Headers.ETag), CancellationToken.None);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    /// <summary>A new entity id: derived from the Idempotency-Key when the request has one, else a fresh version 7 id.</summary>
    public static Guid NewId(HttpContext context)
    {
        if (context.Items[SeedItem] is not string seed)
        {
            return Guid.CreateVersion7();
        }

        var counter = context.Items[CounterItem] is int n ? n + 1 : 0;
        context.Items[CounterItem] = counter;
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}\n{counter}"))[..16];
        // RFC 9562 version 8 (custom) with the RFC variant bits.
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    private async Task ReplayAsync(HttpContext context, StoredResponse first, string requestHash)
    {
        if (first.RequestHash != requestHash)
        {
            await WriteProblemAsync(context, StatusCodes.Status422UnprocessableEntity, Problems.IdempotencyConflict, $"This {HeaderName} was used for a different request.");
            return;
        }

        var response = context.Response;
        response.StatusCode = first.Status;
        response.ContentType = first.ContentType;
        if (first.Location is not null)
        {
            response.Headers.Location = first.Location;
        }

        if (first.ETag is not null)
        {
            response.Headers.ETag = first.ETag;
        }

        response.Headers["Idempotent-Replayed"] = "true";
        await response.Body.WriteAsync(first.Body, context.RequestAborted);
    }

    private static async Task<string> HashRequestAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            sha.AppendData(chunk, 0, read);
        }

        request.Body.Position = 0;
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private Task WriteProblemAsync(HttpContext context, int status, string type, string detail)
    {
        context.Response.StatusCode = status;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Type = type, Title = "The Idempotency-Key cannot be used", Detail = detail },
        }).AsTask();
    }
}
