using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EventSourced.Api.Http;

public static class HttpApiExtensions
{
    /// <summary>Largest request body accepted; commands are small, so anything bigger is a mistake or an attack.</summary>
    public const long MaxRequestBodyBytes = 256 * 1024;

    public static IServiceCollection AddHttpApi(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            FrameworkProblems.GiveStableType(context);
            // Unavailable for now (the database away, a read model behind): say when to try again, as
            // a 429 does. Two seconds: soon for a read model, not a storm for a database coming back.
            if (context.ProblemDetails.Status == StatusCodes.Status503ServiceUnavailable)
            {
                context.HttpContext.Response.Headers.RetryAfter = "2";
            }
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddOpenApi(o => o.AddSchemaTransformer<OptionalSchemaTransformer>().AddDocumentTransformer<Docs.ApiKeySecurityTransformer>());
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        // Binding failures (malformed JSON, wrong types) throw, so that one handler turns them into problem+json.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.Converters.Add(new OptionalJsonConverterFactory());
        });
        return services;
    }

    public static WebApplication UseHttpApi(this WebApplication app)
    {
        app.UseMiddleware<CorrelationMiddleware>();
        // No response is read as another type than the one it says (a JSON body as HTML, say). Set
        // as the response starts: the exception handler clears the headers set before it, so
        // problems made from exceptions (malformed bodies, a database away) went out without it.
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.XContentTypeOptions = "nosniff";
                return Task.CompletedTask;
            });
            return next(context);
        });
        // Inside the correlation, outside the exception handler: it logs the status the client got.
        app.UseMiddleware<RequestLogMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<BodySizeLimitMiddleware>();
        app.UseMiddleware<NulGuardMiddleware>();
        // Before authentication: a browser's preflight carries no credentials (ChatSites).
        app.UseCors();
        app.UseAuthentication();
        // After authentication, so that each API key has its own allowance.
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseMiddleware<IdempotencyMiddleware>();
        return app;
    }
}
