using System.Diagnostics;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;

namespace EventSourced.IntegrationTests.Harness;

/// <summary>The suite's own waits and processes: a busy machine must slow it down, not fail it, and nothing it starts outlives it.</summary>
public sealed class HarnessTests
{
    [Fact]
    public async Task A_probe_that_times_out_or_is_refused_counts_as_not_yet()
    {
        var probes = 0;

        await Eventually.HoldsAsync(
            () => ++probes switch
            {
                1 => throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 2 seconds elapsing."),
                2 => throw new HttpRequestException("Connection refused"),
                _ => Task.FromResult(true),
            },
            "a slow service");

        probes.Should().Be(3);
    }

    [Fact]
    public async Task A_wait_that_runs_out_fails_and_says_what_the_last_probe_saw()
    {
        var wait = () => Eventually.HoldsAsync(() => throw new HttpRequestException("Connection refused (127.0.0.1:1)"), "a service that never answers", TimeSpan.FromMilliseconds(200));

        (await wait.Should().ThrowAsync<TimeoutException>()).Which.Message.Should()
            .Contain("a service that never answers").And.Contain("HttpRequestException: Connection refused (127.0.0.1:1)");
    }

    [Fact]
    public async Task A_probe_cut_by_the_patiences_end_leaves_what_the_probe_before_it_saw_in_the_failure()
    {
        var probes = 0;
        var wait = () => Eventually.HoldsAsync(
            async () => ++probes == 1 ? throw new HttpRequestException("Connection refused (127.0.0.1:1)") : await new TaskCompletionSource<bool>().Task,
            "a service that stops answering",
            TimeSpan.FromMilliseconds(200));

        (await wait.Should().ThrowAsync<TimeoutException>()).Which.Message.Should()
            .Contain("HttpRequestException: Connection refused (127.0.0.1:1) (and a probe was still unanswered at the end)");
    }

    [Fact]
    public async Task A_probe_that_hangs_past_the_patience_fails_the_wait_instead_of_hanging_it()
    {
        var clock = Stopwatch.StartNew();
        var wait = () => Eventually.HoldsAsync(async () => { await new TaskCompletionSource().Task; return true; }, "a probe that never returns", TimeSpan.FromMilliseconds(200));

        await wait.Should().ThrowAsync<TimeoutException>();
        clock.Elapsed.Should().BeLessThan(Wait.Patience);
    }

    [Fact]
    public async Task An_API_process_that_never_answers_is_ended_when_its_start_gives_up()
    {
        var mark = Guid.NewGuid().ToString("N");
        await using var database = await TestDatabase.CreateAsync();
        // It listens elsewhere than where it is probed, so it never answers there.
        var settings = new Dictionary<string, string> { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0", ["HarnessMark"] = mark, ["ConnectionStrings:EventStore"] = database.ConnectionString };

        var start = () => ApiProcess.StartAsync(settings, [], TimeSpan.FromSeconds(1));

        await start.Should().ThrowAsync<TimeoutException>();
        ProcessesMarked(mark).Should().BeEmpty("the process that never became ready was ended");
    }

    /// <summary>Live processes whose environment holds HarnessMark=<paramref name="mark"/>.</summary>
    private static List<int> ProcessesMarked(string mark) =>
        [.. Directory.GetDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0).Where(pid => pid > 0 && EnvironmentHolds(pid, $"HarnessMark={mark}"))];

    private static bool EnvironmentHolds(int pid, string entry)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0').Contains(entry);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
