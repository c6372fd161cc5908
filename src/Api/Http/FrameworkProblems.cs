namespace EventSourced.Api.Http;

/// <summary>
/// Problems that ASP.NET Core writes itself (no route, a wrong method or content type, no key, a
/// role that may not) come with a link to the HTTP specification as their type. They get one of
/// ours instead, so a client switches on one set of types whoever refused the request.
/// </summary>
public static class FrameworkProblems
{
    private const string SpecificationTypes = "https://tools.ietf.org/";

    public static void GiveStableType(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Type is not null && !problem.Type.StartsWith(SpecificationTypes, StringComparison.Ordinal))
        {
            return;
        }

        (problem.Type, var detail) = problem.Status switch
        {
            StatusCodes.Status401Unauthorized => (Problems.Unauthorized, "Send an API key in X-Api-Key (a site visitor: a visitor token as a bearer token)."),
            StatusCodes.Status403Forbidden => (Problems.Forbidden, "The caller's role may not do this."),
            StatusCodes.Status404NotFound => (Problems.NotFound, "No resource has this address."),
            StatusCodes.Status405MethodNotAllowed => (Problems.MethodNotAllowed, $"{context.HttpContext.Request.Method} is not allowed here."),
            StatusCodes.Status415UnsupportedMediaType => (Problems.UnsupportedMediaType, "Send the body as application/json."),
            >= 500 => (Problems.Internal, null),
            _ => (Problems.BadRequest, null),
        };
        problem.Detail ??= detail;
    }
}
