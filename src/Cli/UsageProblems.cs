using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace EventSourced.Cli;

/// <summary>
/// Bad usage in a user's words, for both command lines (the operator's links this file: the
/// users' command line references none of our projects, and the API host does not reference it).
/// The parser says "as expected type 'System.Nullable`1[System.DateTimeOffset]'", which tells
/// nobody what to type.
/// </summary>
public static partial class UsageProblems
{
    /// <summary>Exit code of bad usage on both command lines (the parser's own is 1, as for a crash).</summary>
    public const int ExitCode = 2;

    /// <summary>Whether the line is bad usage to report rather than run (asking for help is not).</summary>
    public static bool IsBadUsage(ParseResult parse) => parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction;

    /// <summary>Writes each parse error and where to read the usage; the exit code of bad usage.</summary>
    public static int Report(ParseResult parse, TextWriter error)
    {
        foreach (var problem in parse.Errors)
        {
            error.WriteLine(Explain(problem));
        }

        error.WriteLine($"See: {parse.CommandResult.Command.Name} --help");
        return ExitCode;
    }

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
            _ when type.Contains("Guid", StringComparison.Ordinal) => "an id (a UUID)",
            _ when type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) => "a whole number",
            _ => null,
        };
        // An argument as its command's help shows it (`replay <id>`); the parser names the command.
        var name = problem.SymbolResult is ArgumentResult argument ? $"<{argument.Argument.Name}>" : match.Groups["name"].Value;
        return takes is null ? problem.Message : $"{name} takes {takes}; '{match.Groups["value"].Value}' is not one.";
    }

    /// <summary>
    /// Checks a list of ids as the line is parsed: a list's values are converted only when read,
    /// where a bad one throws (the command would crash rather than refuse it).
    /// </summary>
    public static Option<Guid[]> IdsOnly(this Option<Guid[]> option)
    {
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => !Guid.TryParse(t.Value, out _)))
            {
                result.AddError($"{option.Name} takes an id (a UUID); '{token.Value}' is not one.");
            }
        });
        return option;
    }

    // System.CommandLine's own words (its English resources; other languages keep their message),
    // about an option's value or a command's argument.
    [GeneratedRegex("""^Cannot parse argument '(?<value>.*)' for (option|command) '(?<name>[^']+)' as expected type '(?<type>[^']+)'\.$""", RegexOptions.Singleline)]
    private static partial Regex CannotParse();
}
