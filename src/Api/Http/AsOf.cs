using System.Globalization;
using EventSourced.Application.EventStore;

namespace EventSourced.Api.Http;

/// <summary>
/// The point of a history query: a stream version (asOf=3) or a moment (asOf=2026-11-22T06:00:00Z).
/// Exactly one of the two is set.
/// </summary>
public readonly record struct AsOf(long? Version, DateTimeOffset? Moment)
{
    public const string Problem = "A version (0, 1, ...) or an ISO 8601 moment is required.";

    public static bool TryParse(string? text, out AsOf asOf)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            asOf = new AsOf(version, null);
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var moment))
        {
            asOf = new AsOf(null, moment);
            return true;
        }

        asOf = default;
        return false;
    }

    /// <summary>Whether a stream's event belongs to the history up to this point.</summary>
    public bool Includes(RecordedEvent recorded) =>
        Version is { } version ? recorded.StreamVersion <= version : recorded.Timestamp <= Moment;
}
