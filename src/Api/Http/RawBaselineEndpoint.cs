using System.Text.Json;
using EventSourced.Api.Auth;
using Npgsql;

namespace EventSourced.Api.Http;

/// <summary>
/// The HTTP benchmark's baseline (tests/Benchmarks -- http): the same pipeline (authentication,
/// rate limiting, problems) in front of one INSERT, and nothing else. Mapped only when
/// Benchmarks:RawEndpoint is true.
/// </summary>
public static class RawBaselineEndpoint
{
    public static WebApplication MapRawBaseline(this WebApplication app)
    {
        if (!app.Configuration.GetValue<bool>("Benchmarks:RawEndpoint"))
        {
            return app;
        }

        var table = new Lazy<Task>(async () =>
        {
            await using var create = app.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand(
                "CREATE TABLE IF NOT EXISTS bench_raw_requests (id uuid PRIMARY KEY, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");
            await create.ExecuteNonQueryAsync();
        });
        app.MapPost("/bench/raw", async (JsonElement body, NpgsqlDataSource dataSource, CancellationToken ct) =>
        {
            await table.Value;
            var id = Guid.CreateVersion7();
            await using var insert = dataSource.CreateCommand("INSERT INTO bench_raw_requests (id, body) VALUES ($1, $2::jsonb)");
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue(body.GetRawText());
            await insert.ExecuteNonQueryAsync(ct);
            return TypedResults.Created($"/bench/raw/{id}", new { id });
        }).RequireAuthorization(p => p.RequireRole(Roles.User, Roles.Manager)).ExcludeFromDescription();
        return app;
    }
}
