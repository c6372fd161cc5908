using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using EventSourced.Application.EventStore;
using EventSourced.Infrastructure.EventStoreDb;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Grpc.Core;
using Microsoft.AspNetCore.Hosting;

namespace EventSourced.IntegrationTests.EventStoreDb;

/// <summary>The adapter on the generated gRPC client: credentials, deadlines, TLS and error mapping, against the stand-in server on loopback.</summary>
public sealed class EventStoreDbProtocolTests(FakeEventStoreDbBackend backend) : IClassFixture<FakeEventStoreDbBackend>
{
    private IEventStore Store => backend.Store;

    [Fact]
    public async Task Credentials_from_the_connection_string_travel_as_basic_authentication()
    {
        await Store.AppendAsync(Events.NewStream(), ExpectedVersion.NoStream, Events.Many(1));

        backend.Server.Authorizations.Should().Contain("Basic YWRtaW46Y2hhbmdlaXQ=", "admin:changeit");
    }

    [Fact]
    public async Task A_trailers_only_unavailable_answer_is_a_transient_error()
    {
        var append = () => Store.AppendAsync("unavailable-1", ExpectedVersion.Any, Events.Many(1));

        var error = (await append.Should().ThrowAsync<EventStoreDbException>()).Which;
        error.Status.Should().Be(StatusCode.Unavailable);
        error.IsTransient.Should().BeTrue();
        error.Message.Should().Contain("Server Is Not Ready");
    }

    [Fact]
    public async Task Access_denied_keeps_the_servers_own_error_kind_and_is_not_transient()
    {
        var read = () => Store.ReadStreamAsync("denied-1", ReadDirection.Forward, 0, 1);

        var error = (await read.Should().ThrowAsync<EventStoreDbException>()).Which;
        error.Status.Should().Be(StatusCode.PermissionDenied);
        error.ServerException.Should().Be("access-denied");
        error.IsTransient.Should().BeFalse();
    }

    [Fact]
    public async Task A_call_past_its_deadline_ends_with_deadline_exceeded()
    {
        var store = EventStoreDbServiceCollectionExtensions.Create(backend.Server.ConnectionString("tls=false&defaultDeadline=200"));
        var clock = Stopwatch.StartNew();

        var read = () => store.ReadStreamAsync("slow-1", ReadDirection.Forward, 0, 1);

        (await read.Should().ThrowAsync<EventStoreDbException>()).Which.Status.Should().Be(StatusCode.DeadlineExceeded);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(4), "the server would have taken 5 s");
    }

    [Fact]
    public async Task A_call_whose_connection_drops_on_a_single_node_is_a_transient_error_and_the_next_call_is_served()
    {
        var stream = Events.NewStream("reset");

        var dropped = (await Store.Invoking(s => s.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(1))).Should().ThrowAsync<EventStoreDbException>()).Which;

        (dropped.Status, dropped.CutShort, dropped.IsTransient).Should().Be((StatusCode.Internal, true, true), "the API answers 503: retry");
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(1));
        (await Store.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10)).Should().ContainSingle("the dropped append stored nothing; the next was served");
    }

    [Fact]
    public async Task A_compressed_frame_that_was_not_asked_for_is_an_internal_error()
    {
        var read = () => Store.ReadStreamAsync("garbage-1", ReadDirection.Forward, 0, 1);

        var error = (await read.Should().ThrowAsync<EventStoreDbException>()).Which;
        (error.Status, error.IsTransient).Should().Be((StatusCode.Internal, false), "the same answer would come again");
    }

    [Fact]
    public async Task A_TLS_node_is_reached_over_https_and_its_certificate_is_checked_unless_told_not_to()
    {
        await using var secure = await FakeEventStoreDb.StartAsync(tls: true);
        var trusting = EventStoreDbServiceCollectionExtensions.Create(secure.ConnectionString("tls=true&tlsVerifyCert=false"));
        var checking = EventStoreDbServiceCollectionExtensions.Create(secure.ConnectionString(""));
        var stream = Events.NewStream();

        await trusting.AppendAsync(stream, ExpectedVersion.NoStream, Events.Many(2));
        var refused = () => checking.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10);

        (await trusting.ReadStreamAsync(stream, ReadDirection.Forward, 0, 10)).Should().HaveCount(2);
        // Grpc.Net.Client reports a failed TLS handshake as Internal: not transient, as a certificate
        // nobody trusts stays untrusted however often the call is retried.
        var error = (await refused.Should().ThrowAsync<EventStoreDbException>()).Which;
        (error.Status, error.IsTransient).Should().Be((StatusCode.Internal, false), "a self-signed certificate is not trusted");
        error.Message.Should().Contain("SSL");
    }

    [Fact]
    public async Task No_server_listening_is_unavailable()
    {
        var store = EventStoreDbServiceCollectionExtensions.Create("esdb://127.0.0.1:1?tls=false");

        var append = () => store.AppendAsync(Events.NewStream(), ExpectedVersion.Any, Events.Many(1));

        (await append.Should().ThrowAsync<EventStoreDbException>()).Which.Status.Should().Be(StatusCode.Unavailable);
    }

    [Fact]
    public async Task The_service_runs_on_the_EventStoreDB_backend_by_configuration_and_its_projections_follow_it()
    {
        var api = new StandInApi(backend.Server);
        await api.InitializeAsync();
        try
        {
            var client = api.ClientFor("alice");

            var created = await (await client.PostAsJsonAsync("/api/contacts", new { name = "On ESDB", telegram = "@on_esdb" })).JsonAsync(HttpStatusCode.Created);
            var position = created.GetProperty("position").GetInt64();
            var contacts = await (await client.GetAsync($"/api/contacts?minPosition={position}")).JsonAsync(HttpStatusCode.OK);

            contacts.GetProperty("items").EnumerateArray().Should().Contain(c => c.GetProperty("name").GetString() == "On ESDB");
            (await api.EventCountAsync()).Should().Be(0, "the events went to EventStoreDB, not to PostgreSQL");
            // Personal fields reach EventStoreDB encrypted, their keys staying in PostgreSQL, and forgetting works the same.
            backend.Server.StoredData.Should().NotContain(d => d.Contains("On ESDB") || d.Contains("on_esdb")).And.Contain(d => d.Contains("enc:v2:"));
            var id = created.GetProperty("id").GetGuid();
            (await client.PostAsJsonAsync($"/api/contacts/{id}/forget", new { reason = "on EventStoreDB" })).StatusCode.Should().Be(HttpStatusCode.OK);
            (await (await client.GetAsync($"/api/contacts/{id}")).JsonAsync(HttpStatusCode.OK)).GetProperty("name").GetString().Should().Be("[erased]");
        }
        finally
        {
            await api.DisposeHostAndDatabaseAsync();
        }
    }

    private sealed class StandInApi(FakeEventStoreDb server) : EmptyStoreApi
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("EventStore:Backend", "EventStoreDb");
            builder.UseSetting("ConnectionStrings:EventStoreDb", server.ConnectionString());
        }
    }
}
