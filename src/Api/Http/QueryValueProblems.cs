using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;

namespace EventSourced.Api.Http;

/// <summary>
/// A query, route or header value the framework could not convert (<c>?page=abc</c>) as the
/// validation problem our own checks give, naming the parameter and what it takes. The framework
/// says only <c>Failed to bind parameter "int page" from "abc"</c>, in C#'s words, and carries no
/// more than that text, so it is read back from the message.
/// </summary>
public static partial class QueryValueProblems
{
    public static ValidationProblemDetails? From(BadHttpRequestException e)
    {
        if (FailedToBind().Match(e.Message) is not { Success: true } match)
        {
            return null;
        }

        var name = match.Groups["name"].Value;
        var takes = Unwrapped(match.Groups["type"].Value) switch
        {
            "int" or "long" or "short" => "a whole number",
            "Guid" => "an id (a UUID)",
            "DateTimeOffset" or "DateTime" => "an ISO 8601 date and time",
            "bool" => "true or false",
            var other => $"a {other}",
        };

        return new ValidationProblemDetails(new Dictionary<string, string[]> { [name] = [$"{name} takes {takes}; '{match.Groups["value"].Value}' is not one."] })
        {
            Status = StatusCodes.Status400BadRequest,
            Type = Problems.Validation,
        };
    }

    // The framework names an optional value's type "Nullable<Guid>" (or "Guid?").
    private static string Unwrapped(string type) =>
        type.StartsWith("Nullable<", StringComparison.Ordinal) ? type["Nullable<".Length..^1] : type.TrimEnd('?');

    // ASP.NET Core's RequestDelegateFactory: Failed to bind parameter "{type} {name}" from "{value}".
    [GeneratedRegex("""^Failed to bind parameter "(?<type>[^ "]+) (?<name>[^ "]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex FailedToBind();
}
