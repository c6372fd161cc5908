using System.Text.Json.Nodes;
using EventSourced.Domain.Privacy;

namespace EventSourced.Application.Privacy;

/// <summary>The subject some personal fields belong to: its kind and every name its key is found by.</summary>
public sealed record Subject(SubjectKind Kind, IReadOnlyList<string> Aliases)
{
    public static Subject Contact(string ownerId, Guid contactId) => new(SubjectKind.Contact, [$"contact:{ownerId}:{contactId:N}"]);

    /// <summary>A buyer is found by email or by phone, whichever an operator knows; both lead to one key.</summary>
    public static Subject? Buyer(string? email, string? phone)
    {
        var aliases = new List<string>(2);
        if (!string.IsNullOrWhiteSpace(email))
        {
            aliases.Add($"buyer-email:{email.Trim().ToLowerInvariant()}");
        }

        if (!string.IsNullOrWhiteSpace(phone))
        {
            aliases.Add($"buyer-phone:{new string(phone.Where(char.IsDigit).ToArray())}");
        }

        return aliases.Count == 0 ? null : new Subject(SubjectKind.Buyer, aliases);
    }

    public static Subject Visitor(string visitorId) => new(SubjectKind.Visitor, [$"visitor:{visitorId}"]);
}

/// <summary>
/// In events of <paramref name="EventType"/>, the string <paramref name="Fields"/> of each object
/// <paramref name="Scopes"/> selects are personal data of the subject <paramref name="SubjectOf"/>
/// names (given the event and that object; null when the object names none).
/// </summary>
public sealed record PersonalFieldRule(string EventType, Func<JsonObject, IEnumerable<JsonObject>> Scopes, Func<JsonObject, JsonObject, Subject?> SubjectOf, IReadOnlyList<string> Fields);

/// <summary>Which fields of which stored events are personal data, and whose (ADR 0025).</summary>
public static class PersonalFields
{
    private static readonly string[] ContactFields = ["name", "telegram", "whatsApp", "viber"];
    private static readonly string[] CustomerFields = ["email", "phone", "firstName", "lastName", "name"];

    public static IReadOnlyDictionary<string, PersonalFieldRule> Rules { get; } = new[]
    {
        new PersonalFieldRule("contact_added", Root, (e, _) => ContactOf(e, e["contactId"]), ContactFields),
        new PersonalFieldRule("contact_updated", Root, (e, _) => ContactOf(e, e["contactId"]), ContactFields),
        // Deploy notifications plan deliveries to outlets, not contacts (an empty contact id): not personal.
        new PersonalFieldRule("message_scheduled", e => Objects(e["deliveries"]), (e, d) => ContactOf(e, d["contactId"]), ["contactName", "address"]),
        new PersonalFieldRule("order_recorded", e => Objects(e["order"]?["customer"]), BuyerOf, CustomerFields),
        new PersonalFieldRule("refund_recorded", e => Objects(e["refund"]?["customer"]), BuyerOf, CustomerFields),
        new PersonalFieldRule("order_parked", e => Objects(e["order"]?["order"]?["customer"]), BuyerOf, CustomerFields),
        // What either side writes in a chat is under the visitor's key: the chat is about them.
        new PersonalFieldRule("chat_message_posted", Root, VisitorOf, ["content"]),
        new PersonalFieldRule("chat_message_rejected", Root, VisitorOf, ["content"]),
    }.ToDictionary(r => r.EventType, StringComparer.Ordinal);

    private static IEnumerable<JsonObject> Root(JsonObject e) => [e];

    private static IEnumerable<JsonObject> Objects(JsonNode? node) => node switch
    {
        JsonObject o => [o],
        JsonArray a => a.OfType<JsonObject>(),
        _ => [],
    };

    private static Subject? ContactOf(JsonObject e, JsonNode? contactId) =>
        e["ownerId"]?.GetValue<string>() is { } owner && contactId?.GetValue<Guid>() is { } id && id != Guid.Empty ? Subject.Contact(owner, id) : null;

    private static Subject? BuyerOf(JsonObject _, JsonObject customer) =>
        Subject.Buyer(customer["email"]?.GetValue<string>(), customer["phone"]?.GetValue<string>());

    private static Subject? VisitorOf(JsonObject e, JsonObject _) =>
        e["visitorId"]?.GetValue<string>() is { } visitor ? Subject.Visitor(visitor) : null;
}
