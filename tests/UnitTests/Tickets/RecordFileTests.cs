using System.Text;
using EventSourced.Infrastructure.Tickets.Kafka;
using FluentAssertions;

namespace EventSourced.UnitTests.Tickets;

/// <summary>The JSON-lines files `tickets produce` sends: what each line becomes, and which lines are refused before anything is sent.</summary>
public sealed class RecordFileTests
{
    [Fact]
    public void A_json_value_and_a_protobuf_one_get_their_content_types_and_the_contracts_default_version()
    {
        var records = RecordFile.Read(new StringReader("""
            {"key":"ev-1","value":{"id":"ev-1","name":"Swan Lake"}}

            {"key":"ref-1","value_base64":"Cgt0ay1zYW1wbGUtMg==","headers":{"schema-version":"1.2","application-id":"kassir"}}
            """), applicationId: "ticketland");

        records.Should().HaveCount(2);
        (records[0].Key, Encoding.UTF8.GetString(records[0].Value)).Should().Be(("ev-1", """{"id":"ev-1","name":"Swan Lake"}"""));
        records[0].Headers.Should().Equal(new Dictionary<string, string> { ["content-type"] = "application/json", ["schema-version"] = "1.0", ["application-id"] = "ticketland" });
        records[1].Value.Should().Equal(Convert.FromBase64String("Cgt0ay1zYW1wbGUtMg=="));
        records[1].Headers.Should().Equal(new Dictionary<string, string> { ["content-type"] = "application/x-protobuf", ["schema-version"] = "1.2", ["application-id"] = "kassir" });
    }

    [Theory]
    [InlineData("""{"value":{}}""", "line 1: no \"key\"*")]
    [InlineData("""{"key":"a"}""", "line 1: give either \"value\"*")]
    [InlineData("""{"key":"a","value":{},"value_base64":"AA=="}""", "line 1: give either \"value\"*")]
    [InlineData("""{"key":"a","value_base64":"not base64!"}""", "line 1: *")]
    [InlineData("""{"key":"a","value":{},"headers":{"schema-version":1}}""", "line 1: *")]
    [InlineData("""{"key":"a","value":{}""", "line 1: *")]
    public void A_line_that_is_not_a_record_is_refused_by_its_number(string line, string message) =>
        FluentActions.Invoking(() => RecordFile.Read(new StringReader(line), "ticketland")).Should().Throw<FormatException>().WithMessage(message);

    [Fact]
    public void A_record_without_an_application_id_is_refused() =>
        FluentActions.Invoking(() => RecordFile.Read(new StringReader("""{"key":"a","value":{}}"""), applicationId: null))
            .Should().Throw<FormatException>().WithMessage("*application-id*");
}
