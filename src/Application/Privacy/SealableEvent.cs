using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace EventSourced.Application.Privacy;

/// <summary>
/// An event on its way into the store that some <see cref="PersonalFieldRule"/> covers, read once
/// into what sealing needs: each scope's subject and personal values, and where its personal
/// strings are in the event's text. The parsed document is let go at once, so a batch waiting for
/// its keys holds no pooled buffers. Sealing splices the sealed texts in and leaves every other
/// character as written: rewriting the whole document cost more than the encryption (ADR 0025).
/// </summary>
internal sealed class SealableEvent
{
    private readonly string _data;
    private readonly Scope[] _scopes;

    private SealableEvent(int index, string data, Scope[] scopes)
    {
        Index = index;
        _data = data;
        _scopes = scopes;
    }

    /// <summary>Where the event is in its append.</summary>
    public int Index { get; }

    /// <summary>Each scope's subject, in document order (null: the scope names none and stays in clear).</summary>
    public IEnumerable<Subject?> Subjects => _scopes.Select(s => s.Subject);

    /// <summary>The event read for sealing, or null when no rule covers its type.</summary>
    public static SealableEvent? Parse(int index, string type, string data)
    {
        if (!PersonalFields.Rules.TryGetValue(type, out var rule))
        {
            return null;
        }

        using var json = JsonDocument.Parse(data);
        var root = json.RootElement;
        var offsets = new TextOffsets(data, JsonMarshal.GetRawUtf8Value(root));
        var scopes = rule.Scopes(root);
        var read = new Scope[scopes.Count];
        for (var n = 0; n < read.Length; n++)
        {
            // The values are found as the reader finds them (one per field, in the rule's order), not
            // from the strings' pass: with a field repeated, the sealed count must match what it reads.
            read[n] = new Scope(rule.SubjectOf(root, scopes[n]), ScopedJson.StringValues(scopes[n], rule.Fields).ConvertAll(v => v.Value), PersonalStrings(scopes[n], rule.Fields, ref offsets));
        }

        return new SealableEvent(index, data, read);
    }

    /// <summary>
    /// The event's text with each scope's personal strings sealed under the key <paramref name="keyOf"/>
    /// gives for it (none: left in clear): the sealed text in the scope's first personal string,
    /// <see cref="FieldCipher.SealedInScope"/> in the others. Every value is sealed, even one that
    /// looks sealed already: a user could type one to stay in clear.
    /// </summary>
    public string Sealed(Guid eventId, Func<int, SubjectKey?> keyOf)
    {
        var replacements = new List<(Token Token, string Text)>();
        for (var scope = 0; scope < _scopes.Length; scope++)
        {
            var (_, values, strings) = _scopes[scope];
            if (values.Count > 0 && keyOf(scope) is { } key)
            {
                var sealedText = FieldCipher.Seal(key, eventId, scope, values);
                for (var n = 0; n < strings.Count; n++)
                {
                    replacements.Add((strings[n], n == 0 ? sealedText : FieldCipher.SealedInScope));
                }
            }
        }

        return replacements.Count == 0 ? _data : Spliced(_data, replacements);
    }

    /// <summary>
    /// The text with each token replaced by its replacement in quotes: sealed texts and marks are
    /// hex, base64url, ':' and '^', which a JSON string takes as they are.
    /// </summary>
    private static string Spliced(string data, List<(Token Token, string Text)> replacements)
    {
        var length = data.Length;
        foreach (var (token, text) in replacements)
        {
            length += text.Length + 2 - token.Length;
        }

        return string.Create(length, (data, replacements), static (into, state) =>
        {
            var (data, replacements) = state;
            var from = 0;
            foreach (var (token, text) in replacements)
            {
                data.AsSpan(from, token.Start - from).CopyTo(into);
                into = into[(token.Start - from)..];
                into[0] = '"';
                text.CopyTo(into[1..]);
                into[text.Length + 1] = '"';
                into = into[(text.Length + 2)..];
                from = token.Start + token.Length;
            }

            data.AsSpan(from).CopyTo(into);
        });
    }

    /// <summary>Where each personal string of the scope is, quotes included, in document order: duplicates too, which must not stay in clear.</summary>
    private static List<Token> PersonalStrings(JsonElement scope, IReadOnlyList<string> fields, ref TextOffsets offsets)
    {
        var strings = new List<Token>(fields.Count);
        foreach (var property in scope.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.String && ScopedJson.Contains(fields, property.Name))
            {
                strings.Add(offsets.Of(JsonMarshal.GetRawUtf8Value(property.Value)));
            }
        }

        return strings;
    }

    private sealed record Scope(Subject? Subject, List<string> Values, List<Token> Strings);

    /// <summary>A JSON string in the event's text, its quotes included.</summary>
    private readonly record struct Token(int Start, int Length);

    /// <summary>
    /// Turns a token of the parsed document (a span of its UTF-8 text) into its place in the event's
    /// string. Tokens are asked for in document order, so the UTF-16 count runs on from the last.
    /// </summary>
    private ref struct TextOffsets(string data, ReadOnlySpan<byte> root)
    {
        private readonly ReadOnlySpan<byte> _root = root;
        // Whitespace before the root is ASCII: one character per byte.
        private readonly int _rootStart = data.AsSpan().IndexOfAnyExcept(" \t\r\n");
        private int _byte;
        private int _char;

        public Token Of(ReadOnlySpan<byte> token)
        {
            var offset = (int)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(_root), ref MemoryMarshal.GetReference(token));
            if (offset < _byte)
            {
                (_byte, _char) = (0, 0);
            }

            _char += Encoding.UTF8.GetCharCount(_root[_byte..offset]);
            _byte = offset;
            return new Token(_rootStart + _char, Encoding.UTF8.GetCharCount(token));
        }
    }
}
