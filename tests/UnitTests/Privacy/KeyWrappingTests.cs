using System.Security.Cryptography;
using EventSourced.Infrastructure.Privacy;
using FluentAssertions;

namespace EventSourced.UnitTests.Privacy;

public sealed class KeyWrappingTests
{
    private static readonly string Kek1 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string Kek2 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void A_key_wrapped_under_an_earlier_key_encryption_key_still_opens_and_new_ones_are_wrapped_under_the_current()
    {
        var (keyId, material) = (Guid.NewGuid(), RandomNumberGenerator.GetBytes(32));
        var earlier = KeyWrapping.From(Kek1, []);
        var rotated = KeyWrapping.From(Kek2, [Kek1]);

        var wrapped = earlier.Wrap(keyId, material);

        Convert.ToHexString(wrapped).Should().NotContain(Convert.ToHexString(material));
        rotated.Unwrap(keyId, wrapped, earlier.CurrentId).Should().Equal(material);
        rotated.Unwrap(keyId, rotated.Wrap(keyId, material), rotated.CurrentId).Should().Equal(material);
        rotated.CurrentId.Should().Be(KeyWrapping.IdOf(Convert.FromBase64String(Kek2))).And.NotBe(earlier.CurrentId);
        rotated.HeldIds.Should().BeEquivalentTo([earlier.CurrentId, rotated.CurrentId]);
    }

    [Fact]
    public void An_altered_row_or_one_moved_to_another_key_does_not_open_and_one_under_a_key_encryption_key_not_held_throws_naming_it()
    {
        var (keyId, wrapping) = (Guid.NewGuid(), KeyWrapping.From(Kek1, []));
        var wrapped = wrapping.Wrap(keyId, RandomNumberGenerator.GetBytes(32));
        var altered = wrapped.ToArray();
        altered[^1] ^= 1;

        wrapping.Unwrap(keyId, altered, wrapping.CurrentId).Should().BeNull("the tag no longer matches");
        wrapping.Unwrap(Guid.NewGuid(), wrapped, wrapping.CurrentId).Should().BeNull("the key's id is authenticated with its material");
        wrapping.Unwrap(keyId, wrapped[..^1], wrapping.CurrentId).Should().BeNull();
        var missing = FluentActions.Invoking(() => KeyWrapping.From(Kek2, []).Unwrap(keyId, wrapped, wrapping.CurrentId)).Should().Throw<KeyEncryptionKeyMissingException>().Which;
        missing.Ids.Should().Equal(wrapping.CurrentId);
    }

    [Fact]
    public void Refusing_unwrapped_rows_reads_a_row_stored_in_clear_as_not_opening_and_needs_a_key_encryption_key()
    {
        var (keyId, material) = (Guid.NewGuid(), RandomNumberGenerator.GetBytes(32));
        var refusing = KeyWrapping.From(Kek1, [], refuseUnwrapped: true);

        refusing.Unwrap(keyId, material, wrappedBy: null).Should().BeNull("a row in clear may be a key someone put there");
        KeyWrapping.From(Kek1, []).Unwrap(keyId, material, wrappedBy: null).Should().Equal(material, "until every key is wrapped, rows in clear are read");
        refusing.Unwrap(keyId, refusing.Wrap(keyId, material), refusing.CurrentId).Should().Equal(material);
        FluentActions.Invoking(() => KeyWrapping.From(null, [], refuseUnwrapped: true)).Should().Throw<InvalidOperationException>().WithMessage("*EventStore:KeyEncryptionKey*");
    }

    [Fact]
    public void Without_a_key_encryption_key_material_is_stored_and_read_as_it_is()
    {
        var (keyId, material) = (Guid.NewGuid(), RandomNumberGenerator.GetBytes(32));

        KeyWrapping.None.Wrap(keyId, material).Should().BeSameAs(material);
        KeyWrapping.None.Unwrap(keyId, material, null).Should().BeSameAs(material);
        KeyWrapping.From(null, []).Should().BeSameAs(KeyWrapping.None);
        KeyWrapping.From(Kek1, []).Unwrap(keyId, material, null).Should().BeSameAs(material, "keys stored before wrapping was turned on still read");
    }

    [Theory]
    [InlineData("not base64!", null, "EventStore:KeyEncryptionKey")]
    [InlineData("c2hvcnQ=", null, "EventStore:KeyEncryptionKey")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "c2hvcnQ=", "EventStore:PreviousKeyEncryptionKeys")]
    public void A_malformed_key_encryption_key_fails_at_start_up_naming_its_setting(string current, string? previous, string setting) =>
        FluentActions.Invoking(() => KeyWrapping.From(current, previous is null ? [] : [previous])).Should().Throw<InvalidOperationException>().WithMessage($"{setting} must be base64 of 32 random bytes*");

    [Fact]
    public void Earlier_key_encryption_keys_without_a_current_one_are_refused() =>
        FluentActions.Invoking(() => KeyWrapping.From(null, [Kek1])).Should().Throw<InvalidOperationException>().WithMessage("*without EventStore:KeyEncryptionKey*");
}
