using System.CommandLine;
using EventSourced.Api.Privacy;
using EventSourced.Application.Commands;
using EventSourced.Application.Privacy;
using EventSourced.Infrastructure.EventStore;
using EventSourced.Infrastructure.Privacy;

namespace EventSourced.Api.Operator;

/// <summary>
/// `subjects forget`: erase a data subject's personal data for good (ADR 0025), as the REST
/// endpoint does. Exit codes: 0 forgotten (or already), 2 a bad request (nothing changed).
/// `subjects rewrap-keys`: rotate the key-encryption key of subjects' keys (ADR 0030).
/// `subjects retire-kek ID`: stop recording a key-encryption key that wraps no key (ADR 0030).
/// </summary>
public static class SubjectsCommand
{
    public static Command Create(Func<ServiceProvider> services)
    {
        var owner = new Option<string?>("--owner") { Description = "A contact's owner (with --contact)" };
        var contact = new Option<Guid?>("--contact") { Description = "A contact's id (with --owner)" };
        var email = new Option<string?>("--email") { Description = "A ticket buyer's email" };
        var phone = new Option<string?>("--phone") { Description = "A ticket buyer's phone" };
        var visitor = new Option<string?>("--visitor") { Description = "A chat visitor's id" };
        var reason = new Option<string>("--reason") { Description = "Why: kept with the record of forgetting", Required = true };
        var forget = new Command("forget", "Erase one subject's personal data everywhere, for good: a contact, a buyer or a visitor") { owner, contact, email, phone, visitor, reason };
        forget.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var why = parse.GetValue(reason)?.Trim();
            if (Forgetting.ReasonProblem(why) is { } problem)
            {
                error.WriteLine($"--reason: {problem}");
                return 2;
            }

            var (ownerId, contactId, visitorId) = (parse.GetValue(owner), parse.GetValue(contact), parse.GetValue(visitor));
            var buyer = Subject.Buyer(parse.GetValue(email), parse.GetValue(phone));
            var named = (ownerId is not null || contactId is not null ? 1 : 0) + (buyer is not null ? 1 : 0) + (visitorId is not null ? 1 : 0);
            if (named != 1 || (ownerId is null) != (contactId is null))
            {
                error.WriteLine("Name one subject: --owner with --contact, or --email and/or --phone, or --visitor.");
                return 2;
            }

            await using var provider = services();
            var forgetting = provider.GetRequiredService<Forgetting>();
            // Audited as the operator's doing, under a correlation id of its own.
            var context = new CommandContext("operator", $"cli-{Guid.NewGuid():N}", null);
            var result = contactId is { } id ? await forgetting.ForgetContactAsync(ownerId!, id, why!, context, ct)
                : buyer is not null ? await forgetting.ForgetBuyerAsync(buyer, parse.GetValue(email), parse.GetValue(phone), why!, context, ct)
                : await forgetting.ForgetVisitorAsync(visitorId!.Trim(), why!, context, ct);
            parse.InvocationConfiguration.Output.WriteLine(result.Forgotten
                ? $"forgotten at position {result.Position}; {result.CancelledDeliveries} waiting deliveries cancelled."
                : "nothing to forget: no such subject, or forgotten already.");
            return 0;
        });

        return new Command("subjects", "Data subjects: forget one, or rotate the key-encryption key of their keys") { forget, RewrapKeys(services), RetireKeyEncryptionKey(services) };
    }

    /// <summary>`subjects rewrap-keys`: every subject's key wrapped under the current key-encryption key (ADR 0030). Exit codes: 0 done, 2 no current key-encryption key set.</summary>
    private static Command RewrapKeys(Func<ServiceProvider> services)
    {
        var rewrap = new Command("rewrap-keys", "Wrap every subject's key under EventStore:KeyEncryptionKey; the earlier ones (EventStore:PreviousKeyEncryptionKeys) can then go");
        rewrap.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            if (string.IsNullOrWhiteSpace(provider.GetRequiredService<EventStoreOptions>().KeyEncryptionKey))
            {
                parse.InvocationConfiguration.Error.WriteLine("Set EventStore:KeyEncryptionKey (env EventStore__KeyEncryptionKey) to the key-encryption key to wrap the keys under.");
                return 2;
            }

            RewrapResult result;
            try
            {
                result = await provider.GetRequiredService<KeyEncryptionKeys>().RewrapAsync(ct);
            }
            catch (KeyEncryptionKeyMissingException e)
            {
                parse.InvocationConfiguration.Error.WriteLine(e.Message);
                return 2;
            }

            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"rewrapped {result.Rewrapped} keys under key-encryption key {result.Current}.");
            var refusing = provider.GetRequiredService<EventStoreOptions>().RefuseUnwrappedKeys;
            if (result.Unopened > 0)
            {
                output.WriteLine($"{result.Unopened} keys did not open (their rows were altered{(refusing ? ", or stored unwrapped, which EventStore:RefuseUnwrappedKeys refuses" : "")}) and were left as they are.");
            }

            if (result.Retired.Count > 0)
            {
                output.WriteLine($"no longer in use: {string.Join(", ", result.Retired)}.");
            }

            // The earlier key-encryption keys can go only when none is still in use.
            output.WriteLine(result.StillInUse.Count > 0
                ? $"still in use: {string.Join(", ", result.StillInUse)}; keep them, and run this again once every node wraps under {result.Current}."
                : "no other key-encryption key is in use.");
            if (!refusing && result.Unopened == 0)
            {
                output.WriteLine("every key is wrapped now: set EventStore:RefuseUnwrappedKeys=true on every node, so that a key row stored unwrapped is never used.");
            }

            return 0;
        });
        return rewrap;
    }

    /// <summary>
    /// `subjects retire-kek ID`: nodes start without a key-encryption key a node once started with,
    /// when no key is wrapped under it. Exit codes: 0 retired, 3 not recorded, 4 keys are wrapped under it.
    /// </summary>
    private static Command RetireKeyEncryptionKey(Func<ServiceProvider> services)
    {
        var id = new Argument<string>("id") { Description = "Its fingerprint, as a refused node names it" };
        var retire = new Command("retire-kek", "Stop recording a key-encryption key no key is wrapped under (one a node started with by mistake); nodes then start without it") { id };
        retire.SetAction(async (parse, ct) =>
        {
            await using var provider = services();
            var kekId = parse.GetValue(id)!.Trim();
            var result = await provider.GetRequiredService<KeyEncryptionKeys>().RetireAsync(kekId, ct);
            if (result.Retired)
            {
                parse.InvocationConfiguration.Output.WriteLine($"retired {kekId}: nodes start without it.");
                return 0;
            }

            parse.InvocationConfiguration.Error.WriteLine(result.Recorded
                ? $"{result.WrappedKeys} keys are wrapped under it: give every node it, or move them under another with `subjects rewrap-keys` first."
                : $"{kekId} is not recorded as in use.");
            return result.Recorded ? 4 : 3;
        });
        return retire;
    }
}
