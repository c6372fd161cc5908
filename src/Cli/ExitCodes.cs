namespace EventSourced.Cli;

/// <summary>What a script can tell apart by the exit code alone.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The server failed (5xx other than 503), or an answer could not be read.</summary>
    public const int Failed = 1;

    /// <summary>Bad usage or input: refused by the parser or by the API's validation (400, 422).</summary>
    public const int Usage = UsageProblems.ExitCode;

    /// <summary>No such contact, message or delivery (404).</summary>
    public const int NotFound = 3;

    /// <summary>No key, or a key that may not do this (401, 403).</summary>
    public const int Denied = 4;

    /// <summary>A conflict with the current state (409, 412): read again and retry.</summary>
    public const int Conflict = 5;

    /// <summary>The API is unreachable or unavailable (503, refused, timed out): retry later.</summary>
    public const int Unavailable = 6;
}

/// <summary>A failure the command line reports on stderr and turns into its exit code.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
