using EventSourced.Api;
using EventSourced.Api.Admin;
using EventSourced.Api.Audit;
using EventSourced.Api.Auth;
using EventSourced.Api.Contacts;
using EventSourced.Api.Conversations;
using EventSourced.Api.Deliveries;
using EventSourced.Api.Deploys;
using EventSourced.Api.Docs;
using EventSourced.Api.Emulator;
using EventSourced.Api.Faye;
using EventSourced.Api.Health;
using EventSourced.Api.Http;
using EventSourced.Api.Messages;
using EventSourced.Api.Observability;
using EventSourced.Api.Tickets;
using EventSourced.Infrastructure.Tickets.Kafka;
using EventSourced.Api.Operator;
using EventSourced.Api.Privacy;
using EventSourced.Infrastructure.Deliveries;
using EventSourced.Infrastructure.Messengers;
using EventSourced.Projections;

if (OperatorCommandLine.IsOperatorCommand(args))
{
    return await OperatorCommandLine.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseDeadClientDetection(builder.Configuration);
// Compiled now, so a response field with no source stops the start rather than a later request.
_ = ResponseMappings.Config;

builder.Services.AddCore(builder.Configuration);
builder.Services.AddReactors();
builder.Services.AddDeliveryBacklogGauges();
if (builder.Configuration.GetValue<bool>("Deliveries:Enabled"))
{
    builder.Services.AddDeliveryScheduler();
    builder.Services.AddDeployNotifier();
    builder.Services.AddDeliveryBus(builder.Configuration);
}

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddApiKeyAuth(builder.Configuration);
builder.Services.AddFaye(builder.Configuration);
builder.Services.AddChatSites(builder.Configuration);
builder.Services.AddLiveChannels();
builder.Services.AddHttpApi();
builder.Services.AddCallerRateLimiting(builder.Configuration);
builder.Services.AddHealth();
builder.Services.AddObservability(builder.Configuration);
builder.Services.AddMessengerGateways();
builder.Services.AddMessengerEmulator();
builder.Services.AddDeployPolling(builder.Configuration);
builder.Services.AddTicketRecordConsumer(builder.Configuration, builder.Environment);

var app = builder.Build();

app.UseHttpApi();
app.MapOpenApi().AllowAnonymous();
app.MapDocs();
// The operator console (docs/screenshots) and the chat widget demo (docs/adr/0023).
app.MapEmbeddedPages("console");
app.MapEmbeddedPages("chat-demo");
app.MapHealth();
app.MapContactEndpoints();
app.MapGroupEndpoints();
app.MapForgetEndpoints();
app.MapMessageEndpoints();
app.MapDeliveryEndpoints();
app.MapConversationEndpoints();
app.MapConversationQueryEndpoints();
app.MapLiveChannelEndpoints();
app.MapVisitorTokenEndpoints();
app.MapFaye();
app.MapDeployEndpoints();
app.MapIngestEndpoints();
app.MapTicketQueryEndpoints();
app.MapAuditEndpoints();
app.MapAdminProjectionEndpoints();
app.MapAdminDeliveryEndpoints();
app.MapRawBaseline();
if (app.Configuration.GetValue<bool>("Emulator:Enabled"))
{
    app.MapMessengerEmulator();
}

await app.RunAsync();
return 0;

/// <summary>The API host; public so that tests can start it with WebApplicationFactory.</summary>
public partial class Program;
