using System.Diagnostics;
using EventSourced.Projections.Runner;
using Spectre.Console;

namespace EventSourced.Api.Operator;

/// <summary>A live progress bar of a rebuild: events applied, events/s, until the new generation serves.</summary>
internal static class RebuildProgress
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(500);

    public static async Task<TimeSpan> FollowAsync(ProjectionStatusQueries queries, string projection, int generation, TextWriter output, CancellationToken ct)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        var clock = Stopwatch.StartNew();
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(projection, maxValue: 1);
                while (true)
                {
                    var row = (await queries.AllAsync(ct)).FirstOrDefault(r => r.Name == projection && r.Generation == generation);
                    if (row is null || row.Serving)
                    {
                        task.Value = task.MaxValue;
                        return;
                    }

                    // Lag is counted only up to a limit: beyond it the total is unknown, so the bar is indeterminate.
                    task.IsIndeterminate = row.LagEvents >= ProjectionStatusQueries.LagCountLimit;
                    task.MaxValue = Math.Max(1, row.Processed + row.LagEvents);
                    task.Value = row.Processed;
                    task.Description = $"{projection} g{generation}: {row.Processed:N0} events, {row.Processed / Math.Max(clock.Elapsed.TotalSeconds, 0.001):N0} ev/s";
                    await Task.Delay(Refresh, ct);
                }
            });
        return clock.Elapsed;
    }
}
