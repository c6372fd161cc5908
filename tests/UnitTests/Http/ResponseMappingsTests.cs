using System.Collections.Immutable;
using EventSourced.Api.Audit;
using EventSourced.Api.Contacts;
using EventSourced.Api.Conversations;
using EventSourced.Api.Http;
using EventSourced.Api.Messages;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Conversations;
using EventSourced.Domain.Messages;
using FluentAssertions;

namespace EventSourced.UnitTests.Http;

public sealed class ResponseMappingsTests
{
    [Fact]
    public void Every_response_member_has_a_source() =>
        FluentActions.Invoking(ResponseMappings.Create).Should().NotThrow();

    [Fact]
    public void A_renamed_field_that_would_map_to_nothing_fails_the_compilation()
    {
        var config = ResponseMappings.Strict();
        config.NewConfig<RenamedContactRow, ContactResponse>();

        FluentActions.Invoking(() => config.Compile()).Should().Throw<Exception>().Where(e => e.ToString().Contains("member mapped or ignored") && e.ToString().Contains("Name"));
    }

    [Fact]
    public void A_pair_not_named_in_the_configuration_is_refused_rather_than_guessed() =>
        FluentActions.Invoking(() => new RenamedContactRow(Guid.NewGuid(), "Anna").ToResponse<ContactResponse>()).Should().Throw<Exception>();

    [Fact]
    public void A_contact_maps_its_messenger_ids_flat_and_its_groups_by_id_and_name()
    {
        var (id, choir) = (Guid.NewGuid(), Guid.NewGuid());
        IReadOnlyList<ContactGroup> groups = [new ContactGroup(choir, "Choir", [id], false)];

        var response = (new ContactEntry(id, "Anna", new MessengerIds("@anna", null, "anna-v"), 3, false), groups).ToResponse<ContactResponse>();

        response.Should().BeEquivalentTo(new ContactResponse(id, "Anna", "@anna", null, "anna-v", 3, [new ContactGroupResponse(choir, "Choir")]));
    }

    [Fact]
    public void A_message_as_of_a_version_maps_its_deliveries_with_lower_case_names()
    {
        var (id, delivery, contact) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var at = DateTimeOffset.Parse("2026-12-02T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var message = new Message(id, "alice", MessageStatus.Scheduled, "Hi", at, [new PlannedDelivery(delivery, contact, "Anna", Channel.WhatsApp, "+4915112345678")], ImmutableDictionary<Guid, DeliveryProgress>.Empty);

        var response = (message, 4L).ToResponse<MessageAsOfResponse>();

        (response.Id, response.Version, response.Status, response.Text, response.NotBefore).Should().Be((id, 4L, "scheduled", "Hi", at));
        response.Deliveries.Should().Equal(new PlannedDeliveryResponse(delivery, contact, "Anna", "whatsapp", "+4915112345678"));
    }

    [Fact]
    public void An_audited_event_carries_its_data_as_json()
    {
        var recorded = new RecordedEvent(Guid.NewGuid(), "contacts-alice", 2, 17, "contact_added", """{"name":"Anna"}""", new EventMetadata(CorrelationId: "c-1"), DateTimeOffset.UnixEpoch);

        var response = recorded.ToResponse<AuditEventResponse>();

        (response.EventId, response.StreamId, response.StreamVersion, response.Position, response.Type, response.Metadata, response.Timestamp)
            .Should().Be((recorded.EventId, "contacts-alice", 2L, 17L, "contact_added", recorded.Metadata, DateTimeOffset.UnixEpoch));
        response.Data.GetProperty("name").GetString().Should().Be("Anna");
    }

    [Fact]
    public void A_conversation_as_of_a_version_maps_with_the_messages_given()
    {
        var id = Guid.NewGuid();
        var shown = new PostedMessage(Guid.NewGuid(), "v-1", "Hello", DateTimeOffset.UnixEpoch, false, []);
        var chat = Conversation.None with { Id = id, VisitorId = "v-1", ManagerId = "m-1", Status = ConversationStatus.Open, Messages = [shown], ReadUpTo = ImmutableDictionary<string, Guid>.Empty.Add("m-1", shown.Id) };

        var asOf = (chat, 2L, (IReadOnlyList<PostedMessage>)[shown]).ToResponse<ConversationAsOfResponse>();
        (asOf.Id, asOf.Version, asOf.Status).Should().Be((id, 2L, "open"));
        asOf.Messages.Should().Equal(new ChatMessageAsOf(shown.Id, "v-1", "Hello", DateTimeOffset.UnixEpoch));
        asOf.ReadUpTo.Should().Equal(chat.ReadUpTo);
    }

    private sealed record RenamedContactRow(Guid Id, string Title);
}
