using System.Text.Json;
using System.Text.RegularExpressions;

namespace EventSourced.Api.Http;

/// <summary>
/// What was wrong with a JSON body, in the caller's terms: System.Text.Json names our .NET types
/// ("could not be converted to EventSourced.Api.Contacts.AddContactRequest"), which say nothing
/// to a caller and show our insides. The JSON path it found the fault at is what they can act on.
/// </summary>
public static partial class JsonBodyProblems
{
    public static string Detail(JsonException json)
    {
        var at = json.Path is { Length: > 0 } path ? path : "$";
        if (UnknownField().Match(json.Message) is { Success: true } unknown)
        {
            return $"This request takes no field '{unknown.Groups["name"].Value}' (at {at}); /openapi/v1.json lists the fields it takes.";
        }

        // A value of the wrong kind (a number for a name, a list for an object), with the reader's
        // reason when it gives one ("not in a supported Guid format", an incomplete UTF-16
        // surrogate), which names no type of ours. JSON cut short or malformed keeps the reader's
        // own words, which name no type either and say where.
        var why = json.InnerException is { Message: var reason } ? $" ({reason})" : "";
        return json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal)
            ? $"The value at {at} is not of the kind this request takes there{why}; /openapi/v1.json describes it."
            : json.Message;
    }

    [GeneratedRegex("""^The JSON property '(?<name>.*)' could not be mapped to any \.NET member""", RegexOptions.Singleline)]
    private static partial Regex UnknownField();
}
