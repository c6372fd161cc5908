using EventSourced.Api.Contacts;
using EventSourced.Api.Http;
using EventSourced.Infrastructure;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddPostgresEventStore();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddHttpApi();

var app = builder.Build();

app.UseHttpApi();
app.MapOpenApi();
app.MapContactEndpoints();

app.Run();

/// <summary>The API host; public so that tests can start it with WebApplicationFactory.</summary>
public partial class Program;
