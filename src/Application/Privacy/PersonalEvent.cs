using System.Text.Json;
using EventSourced.Domain.Privacy;

namespace EventSourced.Application.Privacy;

/// <summary>
/// A stored event some <see cref="PersonalFieldRule"/> covers, parsed once: the objects holding its
/// personal fields (its scopes), revealed on the way out of the store (<see cref="SealableEvent"/>
/// seals them on the way in).
/// </summary>
internal sealed class PersonalEvent : IDisposable
{
    private readonly JsonDocument _json;
    private readonly PersonalFieldRule _rule;
    private readonly List<(string Field, string Value)>[] _values;

    private PersonalEvent(int index, JsonDocument json, PersonalFieldRule rule)
    {
        Index = index;
        _json = json;
        _rule = rule;
        // Read once: finding the keys and revealing both need them.
        _values = [.. rule.Scopes(json.RootElement).Select(scope => ScopedJson.StringValues(scope, rule.Fields))];
    }

    /// <summary>Where the event is in its page.</summary>
    public int Index { get; }

    /// <summary>The event parsed, or null when no rule covers its type.</summary>
    public static PersonalEvent? Parse(int index, string type, string data) =>
        PersonalFields.Rules.TryGetValue(type, out var rule) ? new PersonalEvent(index, JsonDocument.Parse(data), rule) : null;

    /// <summary>The ids of the keys the event's personal fields were encrypted under.</summary>
    public IEnumerable<Guid> KeyIds() =>
        _values.SelectMany(values => values).Select(v => FieldCipher.KeyIdOf(v.Value)).OfType<Guid>();

    /// <summary>
    /// The event's JSON with its personal fields in clear, given the material of its keys
    /// (null: destroyed), or <see cref="Withheld"/> texts where a key is destroyed or missing.
    /// </summary>
    public string Revealed(IReadOnlyDictionary<Guid, byte[]?> found)
    {
        var opened = _values.Select(values => OpenedScope.Of(values, found)).ToArray();
        return ScopedJson.Rewrite(_json.RootElement, _rule.Path, _rule.Fields, (scope, field, value) =>
            FieldCipher.IsSealed(value) ? opened[scope].ValueOf(field)
            : FieldCipher.KeyIdOf(value) is { } keyId ? Decrypted(value, keyId, found)
            : null);
    }

    public void Dispose() => _json.Dispose();

    private static string Decrypted(string value, Guid keyId, IReadOnlyDictionary<Guid, byte[]?> found) =>
        !found.TryGetValue(keyId, out var material) ? Withheld.Unreadable
        : material is null ? Withheld.Erased
        : FieldCipher.Decrypt(new SubjectKey(keyId, material), value) ?? Withheld.Unreadable;

    /// <summary>The values sealed in one scope by field (sealed in the rule's order of fields); or one withheld text for each.</summary>
    private sealed class OpenedScope(IReadOnlyDictionary<string, string>? values, string withheld)
    {
        public static OpenedScope Of(List<(string Field, string Value)> stored, IReadOnlyDictionary<Guid, byte[]?> found)
        {
            var sealedFields = stored.Where(v => FieldCipher.IsSealed(v.Value)).ToList();
            var sealedText = sealedFields.Select(v => (Text: v.Value, KeyId: FieldCipher.KeyIdOf(v.Value))).FirstOrDefault(v => v.KeyId is not null);
            if (sealedText.KeyId is not { } keyId || !found.TryGetValue(keyId, out var material))
            {
                return new(null, Withheld.Unreadable);
            }

            if (material is null)
            {
                return new(null, Withheld.Erased);
            }

            var values = FieldCipher.Open(new SubjectKey(keyId, material), sealedText.Text);
            return values?.Count == sealedFields.Count
                ? new(sealedFields.Select((v, i) => (v.Field, Value: values[i])).ToDictionary(v => v.Field, v => v.Value), Withheld.Unreadable)
                : new(null, Withheld.Unreadable);
        }

        public string ValueOf(string field) => values is not null && values.TryGetValue(field, out var value) ? value : withheld;
    }
}
