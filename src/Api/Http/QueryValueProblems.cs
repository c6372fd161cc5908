using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;

namespace EventSourced.Api.Http;

/// <summary>
/// A query, route or header value the framework could not convert (<c>?page=abc</c>), or a
/// required one left out (<c>/api/contacts/by-name</c> without <c>?name=</c>), as the validation
/// problem our own checks give, naming the parameter and what it takes. The framework says only
/// <c>Failed to bind parameter "int page" from "abc"</c>, in C#'s words, and carries no more than
/// that text, so it is read back from the message.
/// </summary>
public static partial class QueryValueProblems
{
    public static ValidationProblemDetails? From(BadHttpRequestException e)
    {
        if (NotProvided().Match(e.Message) is { Success: true } missing)
        {
            var missingName = missing.Groups["name"].Value;
            return Problem(missingName, $"{missingName} is required.");
        }

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

        return Problem(name, $"{name} takes {takes}; '{match.Groups["value"].Value}' is not one.");
    }

    private static ValidationProblemDetails Problem(string parameter, string error) =>
        new(new Dictionary<string, string[]> { [parameter] = [error] })
        {
            Status = StatusCodes.Status400BadRequest,
            Type = Problems.Validation,
        };

    // The framework names an optional value's type "Nullable<Guid>" (or "Guid?").
    private static string Unwrapped(string type) =>
        type.StartsWith("Nullable<", StringComparison.Ordinal) ? type["Nullable<".Length..^1] : type.TrimEnd('?');

    // ASP.NET Core's RequestDelegateFactory: Failed to bind parameter "{type} {name}" from "{value}".
    [GeneratedRegex("""^Failed to bind parameter "(?<type>[^ "]+) (?<name>[^ "]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex FailedToBind();

    // The same: Required parameter "{type} {name}" was not provided from query string. A body left
    // out is said otherwise ("Implicit body inferred ..."), and so not matched here.
    [GeneratedRegex("""^Required parameter "(?<type>[^ "]+) (?<name>[^ "]+)" was not provided from (query string|header)\.$""")]
    private static partial Regex NotProvided();
}
