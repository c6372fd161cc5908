using EventSourced.Application.Privacy;
using FluentAssertions;

namespace EventSourced.UnitTests.Privacy;

public sealed class FieldCipherTests
{
    private static readonly Guid KeyId = Guid.CreateVersion7();
    private static readonly SubjectKey Key = new(KeyId, SubjectKey.New().Material);
    private static readonly Guid EventId = Guid.CreateVersion7();

    [Fact]
    public void A_scope_opens_to_its_values_in_order_and_names_its_key_but_not_the_values()
    {
        string[] values = ["Зинаида Кваснина", "", "@zina", "+4915112345678"];

        var sealedText = FieldCipher.Seal(Key, EventId, 0, values);

        sealedText.Should().StartWith($"enc:v2:{KeyId:N}:").And.NotContain("Зинаида").And.NotContain("zina");
        FieldCipher.KeyIdOf(sealedText).Should().Be(KeyId);
        FieldCipher.IsSealed(sealedText).Should().BeTrue();
        FieldCipher.Open(Key, sealedText).Should().Equal(values);
    }

    [Fact]
    public void The_same_event_seals_the_same_so_a_retried_append_matches_but_other_events_scopes_or_values_do_not()
    {
        var once = FieldCipher.Seal(Key, EventId, 0, ["Artem", "@artem"]);

        FieldCipher.Seal(Key, EventId, 0, ["Artem", "@artem"]).Should().Be(once);
        FieldCipher.Seal(Key, Guid.CreateVersion7(), 0, ["Artem", "@artem"]).Should().NotBe(once);
        FieldCipher.Seal(Key, EventId, 1, ["Artem", "@artem"]).Should().NotBe(once);
        FieldCipher.Seal(Key, EventId, 0, ["Artem", "@artem2"]).Should().NotBe(once);
    }

    [Fact]
    public void Another_key_or_a_tampered_text_opens_to_nothing_rather_than_throwing()
    {
        var sealedText = FieldCipher.Seal(Key, EventId, 0, ["Artem"]);
        var tampered = sealedText[..^4] + (sealedText[^4] == 'A' ? 'B' : 'A') + sealedText[^3..];

        FieldCipher.Open(new SubjectKey(KeyId, SubjectKey.New().Material), sealedText).Should().BeNull();
        FieldCipher.Open(Key, tampered).Should().BeNull();
        FieldCipher.Open(Key, $"enc:v2:{KeyId:N}:not-base64!").Should().BeNull();
    }

    [Fact]
    public void A_field_encrypted_alone_by_the_first_format_still_decrypts()
    {
        // Written by the v1 code (one AES-GCM operation per field), kept so events stored then stay readable.
        var key = new SubjectKey(Guid.Parse("0193a0c1-5c2e-7d4a-9b1f-3e5d7c9a1b2c"), Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
        const string V1 = "enc:v1:0193a0c15c2e7d4a9b1f3e5d7c9a1b2c:CGXiBj_ECpNH-D2NrarDQ0WL3DTwvWTn4Cd8KOnaJVL27Kp1QOJezx9vG_pECeru4wwu7XzVdUNizOw";

        FieldCipher.KeyIdOf(V1).Should().Be(key.Id);
        FieldCipher.IsSealed(V1).Should().BeFalse();
        FieldCipher.Decrypt(key, V1).Should().Be("Зинаида Кваснина");
        FieldCipher.Decrypt(new SubjectKey(key.Id, SubjectKey.New().Material), V1).Should().BeNull();
    }

    [Fact]
    public void A_value_in_clear_or_the_mark_of_a_sealed_scope_has_no_key()
    {
        FieldCipher.KeyIdOf("Artem").Should().BeNull();
        FieldCipher.KeyIdOf(FieldCipher.SealedInScope).Should().BeNull();
    }
}
