using System.Text.Json;
using System.Text.Json.Nodes;
using EventSourced.Application.EventStore;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Conversations;
using EventSourced.Domain.Deploys;
using EventSourced.Domain.Messages;
using EventSourced.Domain.Privacy;
using EventSourced.Domain.Tickets;
using EventSourced.TestSupport;
using FluentAssertions;

namespace EventSourced.UnitTests.Contracts;

/// <summary>Stored events are a contract with every past and future build: their JSON may only change deliberately.</summary>
public sealed class EventContractTests
{
    private static readonly EventTypeRegistry Registry = EventCatalog.Create();
    private static readonly Guid Id = Guid.Parse("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    private static readonly DateTimeOffset At = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);
    // Relaxed escaping shows the JSON as PostgreSQL stores it (jsonb keeps no escapes).
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly ShowInfo SampleShow = new(
        "e1", "g1", "Swan Lake", "active", "ballet", new DateTimeOffset(2026, 12, 24, 19, 0, 0, TimeSpan.FromHours(3)), new DateTimeOffset(2026, 12, 24, 22, 0, 0, TimeSpan.FromHours(3)),
        "https://cdn.example/swan.jpg", "Tchaikovsky's ballet", new Organizer("org1", "Bolshoi", new OrganizerLegals("Bolshoi Theatre", "ru_lp", "7710000000", "1027700000000", "Teatralnaya 1")),
        new Venue("v1", "Historic Stage", "Teatralnaya 1", "Main hall", "125009", "Moscow", 55.76, 37.6186));

    private static readonly OrderInfo SampleOrder = new(
        "o1", "A-1001", new Customer("anna@example.com", "+79001234567", "Anna", "Petrova", null),
        [new TicketLine("t1", "e1", "4600000000017", "17", "AA", "5", "12", "parterre", "Row 5", 450000, "RUB")],
        [new ShowAvailability("e1", 150000, "RUB", 312)]);

    // One sample of every stored event type, with every field set.
    internal static readonly object[] Samples =
    [
        new ContactAdded(Id, "owner-1", "Artem", "@artem_ivanov", "+4915112345678", "artem-viber", "owner-1", At),
        new ContactUpdated(Id, "owner-1", "Artem I.", "@artem_ivanov", null, "artem-viber", "owner-1", At),
        new ContactRemoved(Id, "owner-1", "owner-1", At),
        new ContactGroupCreated(Id, "owner-1", "Choir", [Id], "owner-1", At),
        new ContactGroupRenamed(Id, "owner-1", "Chamber choir", "owner-1", At),
        new ContactGroupMembersAdded(Id, "owner-1", [Id], "owner-1", At),
        new ContactGroupMembersRemoved(Id, "owner-1", [Id], "owner-1", At),
        new ContactGroupDeleted(Id, "owner-1", "owner-1", At),
        new MessageScheduled(Id, "owner-1", "Hello", At, [new PlannedDelivery(Id, Id, "Artem", Channel.WhatsApp, "+4915112345678")], "owner-1", At, [new RecipientGroup(Id, "Choir")]),
        new MessageEdited(Id, "owner-1", "Hello again", At.AddHours(1), "owner-1", At),
        new MessageGroupsAdded(Id, "owner-1", [new RecipientGroup(Id, "Band")], "owner-1", At),
        new MessageCancelled(Id, "owner-1", "owner-1", At),
        new DeliveryAttempted(Id, Id, 1, At),
        new DeliverySucceeded(Id, Id, 1, "provider-42", At),
        new DeliveryAttemptFailed(Id, Id, 1, "503 Service Unavailable", At.AddSeconds(2), At),
        new DeliveryFailed(Id, Id, 5, "400 chat not found", true, At),
        new DeliveryRedeliveryRequested(Id, Id, "owner-1", At),
        new DeliveryDiscarded(Id, Id, "owner-1", At),
        new DeliveryCancelled(Id, Id, "the contact was forgotten", "owner-1", At),
        new DeliveryReaddressed(Id, Id, "owner-1", Id, "@artem_petrov", "changed-contacts", At),
        new DeliveryPlanned(Id, Id, "owner-1", Id, "Artem", Channel.Viber, "artem-viber", At, "changed-contacts", At),
        new SubjectForgotten(Id, SubjectKind.Contact, "owner-1", Id, null, "owner-1", "asked to be forgotten", At),
        new ConversationOpened(Id, "visitor-1", "manager-1", "visitor-1", At),
        new ChatMessagePosted(Id, Id, "visitor-1", ChatRole.Visitor, "Hello", At, "visitor-1"),
        new ChatMessageRejected(Id, Id, "visitor-1", ChatRole.Visitor, "see spam.com", "link_from_visitor", At, "visitor-1"),
        new ChatMessagesRead(Id, "manager-1", Id, At),
        new ChatMessageHidden(Id, Id, "manager-1", "manager-1", At),
        new ConversationTransferred(Id, "manager-1", "manager-2", "ops", At, "visitor-1"),
        new ConversationClosed(Id, "manager-1", At),
        new ManagerWentOnDuty("manager-1", At),
        new ManagerWentOffDuty("manager-1", At),
        new ConversationRouted(Id, "visitor-1", "manager-1", At),
        new VisitorConversationStarted("visitor-1", Id, "manager-1", "visitor-1", At),
        new ShowSynced(SampleShow, "ticketland", At),
        new OrderRecorded(SampleOrder, "ticketland", At),
        new RefundRecorded(new RefundInfo("r1", SampleOrder.Customer, ["t1"]), "ticketland", At),
        new OrderParked(new IngestOrder(SampleOrder, "ticketland", At), At, "kafka:orders/2/1042"),
        new ParkedReleased(3, At),
        new DeployStatusReported("rasp.api", "production", "1.2.3", DeployStatus.Deployed, "RASP-123 fix", ["RASP-123"], "qloud", [DeployHandler.Tracker, DeployHandler.LoadTest], "ci", At),
    ];

    public static TheoryData<string> EventTypeNames => [.. Registry.Registered.Keys.Order(StringComparer.Ordinal)];

    [Fact]
    public void Every_registered_event_type_has_a_sample() =>
        Samples.Select(s => Registry.NameOf(s.GetType())).Should().BeEquivalentTo(Registry.Registered.Keys);

    [Theory]
    [MemberData(nameof(EventTypeNames))]
    public void Event_json_matches_its_golden_file_and_reads_back_equal(string name)
    {
        var sample = Samples.Single(s => Registry.NameOf(s.GetType()) == name);
        var data = Registry.ToEventData(sample, Id, EventMetadata.Empty);

        var indented = JsonSerializer.Serialize(JsonDocument.Parse(data.Data), Indented);
        GoldenFile.ShouldMatch(indented, $"events/{name}.json");
        var recorded = new RecordedEvent(Id, "s-1", 0, 1, data.Type, data.Data, data.Metadata, At);
        Registry.Deserialize(recorded).Should().BeOfType(sample.GetType()).And.BeEquivalentTo(sample);
    }

    [Fact]
    public void A_message_scheduled_before_messages_were_personalized_reads_as_not_personalized()
    {
        var sample = (MessageScheduled)Samples.Single(s => s is MessageScheduled) with { Personalized = true };
        var written = JsonNode.Parse(Registry.ToEventData(sample, Id, EventMetadata.Empty).Data)!.AsObject();
        written.Remove("personalized");

        var read = Registry.Deserialize(new RecordedEvent(Id, "s-1", 0, 1, "message_scheduled", written.ToJsonString(), EventMetadata.Empty, At));

        read.Should().BeOfType<MessageScheduled>().Which.Personalized.Should().BeFalse("its text was written when braces meant nothing");
    }
}
