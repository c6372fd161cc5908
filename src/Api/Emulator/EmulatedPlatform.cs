using System.Collections.Concurrent;

namespace EventSourced.Api.Emulator;

/// <summary>An environment as the deploy platform reports it (Qloud's shape: project.application.environment).</summary>
public sealed record EmulatedEnvironment(string? EnvironmentId, string? Status, string? Version, string? Comment);

/// <summary>The emulated deploy platform's environments, as its status endpoint lists them.</summary>
public sealed class EmulatedPlatform
{
    private readonly ConcurrentDictionary<string, EmulatedEnvironment> _environments = new();

    public IReadOnlyList<EmulatedEnvironment> Environments => [.. _environments.Values.OrderBy(e => e.EnvironmentId, StringComparer.Ordinal)];

    public void Set(EmulatedEnvironment environment) => _environments[environment.EnvironmentId!] = environment;
}
