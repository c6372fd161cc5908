using EventSourced.Projections.Runner;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventSourced.Api.Http;

/// <summary>
/// Command responses carry the global position of their last event. A query given it as
/// ?minPosition= waits, bounded, until its read model has applied that position.
/// </summary>
public static class ReadYourWrites
{
    /// <returns>Null when the read model has caught up (or no position was asked for), else a 503 problem.</returns>
    public static async Task<ProblemHttpResult?> LaggingAsync(ProjectionProgress progress, string projection, long? minPosition, CancellationToken ct)
    {
        if (minPosition is not { } position || await progress.WaitForAsync(projection, position, progress.ReadYourWritesTimeout, ct))
        {
            return null;
        }

        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable, type: Problems.Unavailable, title: "The read model has not caught up yet; retry shortly",
            detail: $"Read model '{projection}' has not reached position {position} within {progress.ReadYourWritesTimeout.TotalSeconds} s.");
    }
}
