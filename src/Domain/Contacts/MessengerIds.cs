using System.Text.RegularExpressions;
using EventSourced.Domain.Privacy;

namespace EventSourced.Domain.Contacts;

/// <summary>The ids by which a contact is reachable; at least one is required.</summary>
public sealed partial record MessengerIds(string? Telegram, string? WhatsApp, string? Viber)
{
    public const int MaxNameLength = 200;

    public bool IsEmpty => Telegram is null && WhatsApp is null && Viber is null;

    /// <summary>Every rule the ids break, keyed by field name; empty when they are valid.</summary>
    public IReadOnlyDictionary<string, string> Problems()
    {
        var problems = new Dictionary<string, string>();
        if (IsEmpty)
        {
            problems["messengers"] = "A contact needs at least one of telegram, whatsApp or viber.";
        }

        if (Telegram is not null && !TelegramPattern().IsMatch(Telegram))
        {
            problems["telegram"] = "Expected a Telegram username (@name, 5-32 characters) or a numeric chat id.";
        }

        if (WhatsApp is not null && !E164Pattern().IsMatch(WhatsApp))
        {
            problems["whatsApp"] = "Expected an E.164 phone number such as +4915112345678.";
        }

        if (Viber is not null && (string.IsNullOrWhiteSpace(Viber) || Viber.Length > 100))
        {
            problems["viber"] = "A Viber id must be 1 to 100 non-blank characters.";
        }
        else if (Withheld.Is(Viber))
        {
            problems["viber"] = WithheldProblem(Viber!);
        }

        return problems;
    }

    /// <summary>
    /// A phone number as people write it ("+7 900 123-45-67", "+49 (151) 1234.5678") in E.164:
    /// spaces, hyphens, dots and parentheses dropped. What is left is checked as E.164 as it is.
    /// </summary>
    public static string Phone(string number) => string.Concat(number.Where(c => !PhoneFormatting.Contains(c)));

    private const string PhoneFormatting = " -.()\u00A0";

    /// <summary>Whether a name, trimmed, is 1 to <paramref name="maxLength"/> printable characters: a contact's or a group's.</summary>
    public static bool IsPrintableName(string? name, int maxLength) =>
        !string.IsNullOrWhiteSpace(name) && name.Trim().Length <= maxLength && !name.Any(char.IsControl);

    /// <summary>Problems with a contact name, keyed "name"; empty when it is valid.</summary>
    public static IReadOnlyDictionary<string, string> NameProblems(string? name) =>
        !IsPrintableName(name, MaxNameLength)
            ? new Dictionary<string, string> { ["name"] = $"A name of 1 to {MaxNameLength} printable characters is required." }
            : Withheld.Is(name!.Trim())
                ? new Dictionary<string, string> { ["name"] = WithheldProblem(name.Trim()) }
                : new Dictionary<string, string>();

    // A contact whose data reads so is taken as forgotten (or its key lost): nothing is sent to it.
    private static string WithheldProblem(string value) => $"'{value}' is how data without its key reads; choose another.";

    // Telegram usernames are 5-32 characters of letters, digits and underscores, starting with a
    // letter; chat ids are integers (negative for groups).
    [GeneratedRegex(@"^(@?[A-Za-z][A-Za-z0-9_]{4,31}|-?[0-9]{1,20})$")]
    private static partial Regex TelegramPattern();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164Pattern();
}
