using EventSourced.Application.Privacy;
using FluentAssertions;

namespace EventSourced.UnitTests.Privacy;

public sealed class FieldCipherTests
{
    private static readonly Guid KeyId = Guid.CreateVersion7();
    private static readonly SubjectKey Key = new(KeyId, FieldCipher.NewKey());
    private static readonly Guid EventId = Guid.CreateVersion7();

    [Fact]
    public void A_field_decrypts_to_its_value_and_names_its_key_but_not_the_value()
    {
        var encrypted = FieldCipher.Encrypt(Key, EventId, "name", "Зинаида Кваснина");

        encrypted.Should().StartWith($"enc:v1:{KeyId:N}:").And.NotContain("Зинаида");
        FieldCipher.KeyIdOf(encrypted).Should().Be(KeyId);
        FieldCipher.Decrypt(Key, encrypted).Should().Be("Зинаида Кваснина");
    }

    [Fact]
    public void The_same_event_encrypts_the_same_so_a_retried_append_matches_but_other_events_or_fields_do_not()
    {
        var once = FieldCipher.Encrypt(Key, EventId, "name", "Artem");

        FieldCipher.Encrypt(Key, EventId, "name", "Artem").Should().Be(once);
        FieldCipher.Encrypt(Key, Guid.CreateVersion7(), "name", "Artem").Should().NotBe(once);
        FieldCipher.Encrypt(Key, EventId, "viber", "Artem").Should().NotBe(once);
    }

    [Fact]
    public void Another_key_or_a_tampered_text_decrypts_to_nothing_rather_than_throwing()
    {
        var encrypted = FieldCipher.Encrypt(Key, EventId, "name", "Artem");
        var tampered = encrypted[..^4] + (encrypted[^4] == 'A' ? 'B' : 'A') + encrypted[^3..];

        FieldCipher.Decrypt(new SubjectKey(KeyId, FieldCipher.NewKey()), encrypted).Should().BeNull();
        FieldCipher.Decrypt(Key, tampered).Should().BeNull();
        FieldCipher.Decrypt(Key, $"enc:v1:{KeyId:N}:not-base64!").Should().BeNull();
    }

    [Fact]
    public void A_value_in_clear_has_no_key() => FieldCipher.KeyIdOf("Artem").Should().BeNull();
}
