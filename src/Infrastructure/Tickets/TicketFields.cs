using EventSourced.Application.Tickets;
using EventSourced.Domain.Tickets;

namespace EventSourced.Infrastructure.Tickets;

/// <summary>The checks every decoded field passes, whatever encoding it came in.</summary>
internal static class TicketFields
{
    private const int MaxIdLength = 100;
    private const int MaxTextLength = 2000;

    public static string Id(string? value, string field) =>
        !string.IsNullOrWhiteSpace(value) && value.Length <= MaxIdLength && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? value
            : throw new UndecodableMessageException(field, $"An id of 1 to {MaxIdLength} letters, digits, '-', '_', '.' or ':' is required.");

    public static string Text(string? value, string field) =>
        !string.IsNullOrWhiteSpace(value) && value.Length <= MaxTextLength && !value.Contains('\0', StringComparison.Ordinal)
            ? value
            : throw new UndecodableMessageException(field, $"A value of 1 to {MaxTextLength} characters, without NUL, is required.");

    public static string? Optional(string? value, string field) => value is null ? null : Text(value, field);

    public static IReadOnlyList<T> NotEmpty<T>(IReadOnlyList<T> items, string field) => items.Count > 0 ? items : throw new UndecodableMessageException(field, "At least one is required.");

    /// <summary>The buyer; the seller sends only orders with a phone number.</summary>
    public static Customer Customer(string? email, string? phone, string? firstName, string? lastName, string? name) =>
        new(Optional(email, "customer.email"), Text(phone, "customer.phone"), Optional(firstName, "customer.first_name"), Optional(lastName, "customer.last_name"), Optional(name, "customer.name"));

    public static UndecodableMessageException Missing(string field) => new(field, "Required.");
}
