using System.Security.Cryptography;
using EventSourced.Application.Privacy;
using EventSourced.TestSupport;
using FluentAssertions;

namespace EventSourced.UnitTests.Privacy;

public sealed class KeyCiphersTests
{
    private const int TagSize = 16;

    [Fact]
    public void A_key_set_up_once_is_lent_again_but_never_to_two_callers_at_once()
    {
        var ciphers = new KeyCiphers(16, TagSize);
        var key = SubjectKey.New();

        AesGcm first, second;
        using (var held = ciphers.Rent(key))
        {
            using var meanwhile = ciphers.Rent(key);
            (first, second) = (held.Aes, meanwhile.Aes);
            meanwhile.Aes.Should().NotBeSameAs(held.Aes, "AesGcm is not safe to use from two threads at once");
            meanwhile.NonceKey.Should().BeSameAs(held.NonceKey);
        }

        using var later = ciphers.Rent(key);
        later.Aes.Should().BeSameAs(second, "the instance given back first is kept");
        Encrypting(second).Should().NotThrow();
        Encrypting(first).Should().Throw<ObjectDisposedException>("one given back to a full entry is disposed, not left to the finalizer");
    }

    [Fact]
    public void A_destroyed_key_is_disposed_and_never_kept_set_up_again()
    {
        var ciphers = new KeyCiphers(16, TagSize);
        var key = SubjectKey.New();
        var before = Returned(ciphers, key);

        ciphers.Forget(key.Id);

        Encrypting(before).Should().Throw<ObjectDisposedException>("a destroyed key's AES context leaves memory");
        AesGcm after;
        using (var lease = ciphers.Rent(key))
        {
            after = lease.Aes;
            after.Should().NotBeSameAs(before);
            Encrypting(after).Should().NotThrow("a caller that read the key before its destruction still finishes its work");
        }

        Encrypting(after).Should().Throw<ObjectDisposedException>("set up for that one use, not kept");
    }

    [Fact]
    public void A_key_destroyed_while_a_caller_sets_it_up_or_holds_it_is_not_kept()
    {
        var ciphers = new KeyCiphers(1_000_000, TagSize);
        var kept = 0;
        for (var attempt = 0; attempt < 5_000; attempt++)
        {
            var key = SubjectKey.New();
            AesGcm? lent = null;
            Overlapping.Run(attempt, () => lent = Returned(ciphers, key), () => ciphers.Forget(key.Id));

            if (!Disposed(lent!))
            {
                kept++;
            }
        }

        kept.Should().Be(0, "a destroyed key's AES context must not stay in the cache, nor in an entry it left");
    }

    [Fact]
    public void Forgetting_every_key_or_reaching_the_capacity_empties_the_cache()
    {
        var ciphers = new KeyCiphers(3, TagSize);
        var keys = Enumerable.Range(0, 3).Select(_ => SubjectKey.New()).ToList();
        var kept = keys.Select(k => Returned(ciphers, k)).ToList();

        Returned(ciphers, keys[0]).Should().BeSameAs(kept[0], "three keys fit");
        Returned(ciphers, SubjectKey.New());
        Encrypting(kept[1]).Should().Throw<ObjectDisposedException>("a fourth key empties the cache");

        var again = Returned(ciphers, keys[2]);
        ciphers.ForgetAll();
        Encrypting(again).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void A_key_whose_material_changed_under_the_same_id_is_set_up_for_the_new_material()
    {
        var ciphers = new KeyCiphers(16, TagSize);
        var key = SubjectKey.New();
        var replaced = key with { Material = SubjectKey.New().Material };
        byte[] nonceKey;
        using (var lease = ciphers.Rent(key))
        {
            nonceKey = lease.NonceKey;
        }

        using var other = ciphers.Rent(replaced);
        other.NonceKey.Should().NotEqual(nonceKey);
    }

    [Fact]
    public async Task Threads_sealing_under_the_same_keys_at_once_each_get_texts_that_open()
    {
        var keys = Enumerable.Range(0, 4).Select(_ => SubjectKey.New()).ToList();

        var failures = await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            var wrong = 0;
            for (var n = 0; n < 5_000; n++)
            {
                var key = keys[n % keys.Count];
                string[] values = [$"worker {worker}", $"event {n}"];
                if (FieldCipher.Open(key, FieldCipher.Seal(key, Guid.CreateVersion7(), 0, values)) is not { } opened || !opened.SequenceEqual(values))
                {
                    wrong++;
                }
            }

            return wrong;
        })));

        failures.Should().AllBeEquivalentTo(0);
    }

    private static AesGcm Returned(KeyCiphers ciphers, SubjectKey key)
    {
        using var lease = ciphers.Rent(key);
        return lease.Aes;
    }

    private static bool Disposed(AesGcm aes)
    {
        try
        {
            Encrypting(aes)();
            return false;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    private static Action Encrypting(AesGcm aes) => () => aes.Encrypt(new byte[12], new byte[1], new byte[1], new byte[TagSize]);
}
