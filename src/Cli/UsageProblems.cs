using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace EventSourced.Cli;

/// <summary>
/// The parser's complaint about an option's value in a user's words: it says "as expected type
/// 'System.Nullable`1[System.DateTimeOffset]'", which tells a user nothing about what to type.
/// </summary>
public static partial class UsageProblems
{
    public static string Explain(ParseError problem)
    {
        if (CannotParse().Match(problem.Message) is not { Success: true } match)
        {
            return problem.Message;
        }

        var type = match.Groups["type"].Value;
        var takes = type switch
        {
            _ when type.Contains("DateTimeOffset", StringComparison.Ordinal) => "a moment in ISO 8601, such as 2026-12-24T18:00:00+03:00",
            _ when type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) => "a whole number",
            _ => null,
        };
        return takes is null ? problem.Message : $"{match.Groups["option"].Value} takes {takes}; '{match.Groups["value"].Value}' is not one.";
    }

    // System.CommandLine's own words (its English resources; other languages keep their message).
    [GeneratedRegex("""^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'\.$""", RegexOptions.Singleline)]
    private static partial Regex CannotParse();
}
