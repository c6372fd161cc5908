using System.CommandLine;

namespace EventSourced.Api.Operator;

/// <summary>How a dead-letter command (a seller's record, a projection's event) ended, for scripts.</summary>
internal static class DeadLetterExit
{
    /// <summary>Exit codes: 0 done, 3 no such dead letter, 4 it still cannot be applied (<paramref name="done"/> null).</summary>
    public static int Report(ParseResult parse, bool found, string? done, string? reason)
    {
        if (!found)
        {
            parse.InvocationConfiguration.Error.WriteLine("No such dead letter.");
            return 3;
        }

        if (done is null)
        {
            parse.InvocationConfiguration.Error.WriteLine($"Still cannot be applied: {reason}");
            return 4;
        }

        parse.InvocationConfiguration.Output.WriteLine(done);
        return 0;
    }
}
