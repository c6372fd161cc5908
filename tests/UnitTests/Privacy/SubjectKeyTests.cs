using EventSourced.Application.Privacy;
using FluentAssertions;

namespace EventSourced.UnitTests.Privacy;

public sealed class SubjectKeyTests
{
    [Fact]
    public void New_keys_have_their_own_material_and_ids_across_many_blocks_of_randomness()
    {
        var keys = Enumerable.Range(0, 1000).Select(_ => SubjectKey.New()).ToList();

        keys.Select(k => k.Id).Should().OnlyHaveUniqueItems();
        keys.Select(k => Convert.ToHexString(k.Material)).Should().OnlyHaveUniqueItems();
        keys.Should().OnlyContain(k => k.Material.Length == 32 && k.Material.Any(b => b != 0));
    }

    [Fact]
    public void A_new_key_id_is_a_uuid_version_7_of_now()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var id = SubjectKey.New().Id;
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        id.Version.Should().Be(7);
        (id.Variant & 0xC).Should().Be(0x8, "the RFC 9562 variant is the bits 10");
        var bytes = id.ToByteArray(bigEndian: true);
        var millis = ((long)bytes[0] << 40) | ((long)bytes[1] << 32) | ((long)bytes[2] << 24) | ((long)bytes[3] << 16) | ((long)bytes[4] << 8) | bytes[5];
        millis.Should().BeInRange(before, after);
    }

    [Fact]
    public void Keys_made_later_sort_after_in_the_order_the_keys_index_uses()
    {
        var first = SubjectKey.New().Id;
        var clock = DateTimeOffset.UtcNow;
        SpinWait.SpinUntil(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > clock.ToUnixTimeMilliseconds());
        var second = SubjectKey.New().Id;

        // PostgreSQL compares uuids byte by byte in their written (big-endian) order.
        first.ToByteArray(bigEndian: true).AsSpan().SequenceCompareTo(second.ToByteArray(bigEndian: true)).Should().BeNegative();
    }
}
