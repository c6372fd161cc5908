using System.Text.Json;
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
/// <paramref name="Scope"/> selects (a <see cref="ScopedJson"/> path) are personal data of the
/// subject <paramref name="SubjectOf"/> names, given the event and that object (null: none).
/// </summary>
public sealed record PersonalFieldRule(string EventType, string Scope, Func<JsonElement, JsonElement, Subject?> SubjectOf, IReadOnlyList<string> Fields)
{
    internal string[] Path { get; } = ScopedJson.Parse(Scope);

    /// <summary>The objects of this event the rule covers, in document order.</summary>
    public IReadOnlyList<JsonElement> Scopes(JsonElement root)
    {
        var scopes = new List<JsonElement>(1);
        ScopedJson.CollectScopes(root, Path, 0, scopes);
        return scopes;
    }
}

/// <summary>Which fields of which stored events are personal data, and whose (ADR 0025).</summary>
public static class PersonalFields
{
    private static readonly string[] ContactFields = ["name", "telegram", "whatsApp", "viber"];
    private static readonly string[] CustomerFields = ["email", "phone", "firstName", "lastName", "name"];

    public static IReadOnlyDictionary<string, PersonalFieldRule> Rules { get; } = new[]
    {
        new PersonalFieldRule("contact_added", "", (e, _) => ContactOf(e, e), ContactFields),
        new PersonalFieldRule("contact_updated", "", (e, _) => ContactOf(e, e), ContactFields),
        // Deploy notifications plan deliveries to outlets, not contacts (an empty contact id): not personal.
        new PersonalFieldRule("message_scheduled", "deliveries[]", ContactOf, ["contactName", "address"]),
        new PersonalFieldRule("delivery_readdressed", "", (e, _) => ContactOf(e, e), ["address"]),
        new PersonalFieldRule("delivery_planned", "", (e, _) => ContactOf(e, e), ["contactName", "address"]),
        new PersonalFieldRule("order_recorded", "order.customer", BuyerOf, CustomerFields),
        new PersonalFieldRule("refund_recorded", "refund.customer", BuyerOf, CustomerFields),
        new PersonalFieldRule("order_parked", "order.order.customer", BuyerOf, CustomerFields),
        // What either side writes in a chat is under the visitor's key: the chat is about them.
        new PersonalFieldRule("chat_message_posted", "", VisitorOf, ["content"]),
        new PersonalFieldRule("chat_message_rejected", "", VisitorOf, ["content"]),
    }.ToDictionary(r => r.EventType, StringComparer.Ordinal);

    private static Subject? ContactOf(JsonElement e, JsonElement scope) =>
        String(e, "ownerId") is { } owner && scope.TryGetProperty("contactId", out var id) && id.TryGetGuid(out var contactId) && contactId != Guid.Empty
            ? Subject.Contact(owner, contactId)
            : null;

    private static Subject? BuyerOf(JsonElement _, JsonElement customer) => Subject.Buyer(String(customer, "email"), String(customer, "phone"));

    private static Subject? VisitorOf(JsonElement e, JsonElement _) => String(e, "visitorId") is { } visitor ? Subject.Visitor(visitor) : null;

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
