using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventSourced.Application.Commands;
using EventSourced.Domain.Contacts;
using EventSourced.Domain.Messages;
using EventSourced.IntegrationTests.Support;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;

namespace EventSourced.IntegrationTests.Api;

/// <summary>
/// What waits to go out follows its contact: nothing more to a removed contact (ADR 0039), nothing
/// on a messenger it no longer has, and a changed id is where it goes (ADR 0040).
/// </summary>
public sealed class ChangedContactDeliveriesTests(EmptyStoreApi api) : IClassFixture<EmptyStoreApi>
{
    private readonly HttpClient _alice = api.ClientFor("alice");

    [Fact]
    public async Task Removing_a_contact_cancels_its_scheduled_and_failed_deliveries_and_leaves_the_others()
    {
        var gone = await AddContactAsync(new { name = $"Gone {Guid.NewGuid():N}"[..16], telegram = "@gone_user", viber = "gone-viber" });
        var kept = await AddContactAsync(new { name = $"Kept {Guid.NewGuid():N}"[..16], telegram = "@kept_user" });
        var later = await ScheduleAsync([gone, kept], DateTimeOffset.UtcNow.AddHours(1));
        var failedEarlier = await ScheduleAsync([gone], null);
        var failed = (await DeliveryIdsAsync(failedEarlier))[0];
        var now = DateTimeOffset.UtcNow;
        var gaveUp = await AppendAsync(failedEarlier, new DeliveryAttempted(failedEarlier, failed, 1, now), new DeliveryFailed(failedEarlier, failed, 1, "403 Forbidden", true, now));
        (await FailedAsync(gaveUp)).Should().Contain(failed);

        (await _alice.DeleteAsync($"/api/contacts/{gone}")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        // One append per message: the two are cancelled one after the other.
        await Eventually.HoldsAsync(
            async () => (await StatusesAsync(later)).Count(s => s == ("cancelled", gone)) == 2 && (await StatusesAsync(failedEarlier)).All(s => s.Status == "cancelled"),
            "the removed contact's scheduled and failed deliveries to be cancelled");
        (await StatusesAsync(later)).Should().BeEquivalentTo(new[] { ("cancelled", gone), ("cancelled", gone), ("scheduled", kept) });
        (await StatusesAsync(failedEarlier)).Should().Equal(("cancelled", gone), ("cancelled", gone));
        (await FailedAsync(0)).Should().NotContain(failed, "a removed contact's failed delivery cannot be redelivered, so it is no longer listed");
        (await api.StreamAsync($"message-{later}")).Where(e => e.Type == "delivery_cancelled")
            .Should().HaveCount(2).And.OnlyContain(e => e.Data.Contains("the contact was removed"));
        (await DeliveriesAsync(later)).Where(d => d.Status == "cancelled").Should().OnlyContain(d => d.CancelReason == "the contact was removed", "the owner sees why");
    }

    [Fact]
    public async Task Changing_a_contacts_ids_sends_what_waits_to_the_new_ones_and_cancels_what_waits_on_a_messenger_it_no_longer_has()
    {
        var changed = await AddContactAsync(new { name = $"Moved {Guid.NewGuid():N}"[..16], telegram = "@old_handle", viber = "old-viber" });
        var later = await ScheduleAsync([changed], DateTimeOffset.UtcNow.AddHours(1));
        var failedEarlier = await ScheduleAsync([changed], null);
        var deliveredEarlier = await ScheduleAsync([changed], null);
        var (failed, delivered) = (await DeliveryIdsAsync(failedEarlier), await DeliveryIdsAsync(deliveredEarlier));
        var now = DateTimeOffset.UtcNow;
        await AppendAsync(failedEarlier, new DeliveryAttempted(failedEarlier, failed[0], 1, now), new DeliveryFailed(failedEarlier, failed[0], 1, "400 chat not found", true, now));
        await AppendAsync(deliveredEarlier, new DeliveryAttempted(deliveredEarlier, delivered[0], 1, now), new DeliverySucceeded(deliveredEarlier, delivered[0], 1, "m-1", now));

        // Read from where the change is: the three messages are in the read model by then.
        var changedAt = (await (await _alice.PatchAsJsonAsync($"/api/contacts/{changed}", new { telegram = "@new_handle", viber = (string?)null })).JsonAsync(HttpStatusCode.OK))
            .GetProperty("position").GetInt64();

        // One append per message: the three follow one after the other.
        var viberTakenOff = ("old-viber", "cancelled", "the contact no longer has a Viber id");
        await Eventually.HoldsAsync(
            async () => (await DeliveriesAsync(later, changedAt)).SequenceEqual([("@new_handle", "scheduled", null), viberTakenOff])
                && (await DeliveriesAsync(failedEarlier, changedAt)).SequenceEqual([("@new_handle", "failed", null), viberTakenOff])
                && (await DeliveriesAsync(deliveredEarlier, changedAt))[1] == viberTakenOff,
            "the waiting deliveries to follow the contact");
        (await DeliveriesAsync(deliveredEarlier))[0].Should().Be(("@old_handle", "delivered", null), "what went out went to the id the contact had then");
        (await api.StoredStreamAsync($"message-{later}")).Should().Contain(e => e.Type == "delivery_readdressed")
            .And.NotContain(e => e.Data.Contains("new_handle"), "the new id is the contact's personal data, stored sealed");

        // A rename touches nothing.
        var renamed = await _alice.PatchAsJsonAsync($"/api/contacts/{changed}", new { name = $"Renamed {Guid.NewGuid():N}"[..16] });
        var renamedAt = (await api.StreamAsync("contacts-alice")).Last(e => e.Type == "contact_updated").Position;
        await Eventually.HoldsAsync(async () => await ReactorPositionAsync() >= renamedAt, "the reactor to pass the rename");
        renamed.StatusCode.Should().Be(HttpStatusCode.OK);
        (await api.StreamAsync($"message-{later}")).Count(e => e.Type is "delivery_readdressed" or "delivery_cancelled").Should().Be(2);
    }

    [Fact]
    public async Task A_message_not_yet_due_goes_over_a_messenger_its_contact_gained_and_one_due_already_does_not()
    {
        var name = $"Gaining {Guid.NewGuid():N}"[..16];
        var gaining = await AddContactAsync(new { name, telegram = "@gaining_user" });
        var later = await ScheduleAsync([gaining], DateTimeOffset.UtcNow.AddHours(1));
        var due = await ScheduleAsync([gaining], null);

        var gainedAt = (await (await _alice.PatchAsJsonAsync($"/api/contacts/{gaining}", new { whatsApp = "+79990007788" })).JsonAsync(HttpStatusCode.OK))
            .GetProperty("position").GetInt64();

        await Eventually.HoldsAsync(
            async () => (await DeliveriesAsync(later, gainedAt)).SequenceEqual([("@gaining_user", "scheduled", null), ("+79990007788", "scheduled", null)]),
            "the message to go over WhatsApp too");
        var message = await (await _alice.GetAsync($"/api/messages/{later}")).JsonAsync(HttpStatusCode.OK);
        message.GetProperty("message").GetProperty("progress").GetProperty("total").GetInt32().Should().Be(2);
        message.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("contactName").GetString()).Should().Equal(name, name);
        var updatedAt = (await api.StreamAsync("contacts-alice")).Last(e => e.Type == "contact_updated").Position;
        await Eventually.HoldsAsync(async () => await ReactorPositionAsync() >= updatedAt, "the reactor to pass the change");
        (await api.StreamAsync($"message-{due}")).Should().NotContain(e => e.Type == "delivery_planned", "a message due already goes out as it was");
        (await api.StoredStreamAsync($"message-{later}")).Should().Contain(e => e.Type == "delivery_planned")
            .And.NotContain(e => e.Data.Contains("79990007788") || e.Data.Contains(name), "the contact's name and number are stored sealed");
    }

    [Fact]
    public async Task A_messenger_taken_off_and_put_back_before_the_message_is_due_goes_out_again()
    {
        var back = await AddContactAsync(new { name = $"Back {Guid.NewGuid():N}"[..16], telegram = "@back_user", viber = "back-viber" });
        var later = await ScheduleAsync([back], DateTimeOffset.UtcNow.AddHours(1));
        var takenOffAt = (await (await _alice.PatchAsJsonAsync($"/api/contacts/{back}", new { viber = (string?)null })).JsonAsync(HttpStatusCode.OK))
            .GetProperty("position").GetInt64();
        var viberTakenOff = ("back-viber", "cancelled", "the contact no longer has a Viber id");
        await Eventually.HoldsAsync(
            async () => (await DeliveriesAsync(later, takenOffAt)).Contains(viberTakenOff), "the Viber delivery to be cancelled");

        var putBackAt = (await (await _alice.PatchAsJsonAsync($"/api/contacts/{back}", new { viber = "back-viber-2" })).JsonAsync(HttpStatusCode.OK))
            .GetProperty("position").GetInt64();

        await Eventually.HoldsAsync(
            async () => (await DeliveriesAsync(later, putBackAt)).Contains(("back-viber-2", "scheduled", null)), "the message to go over Viber again");
        (await DeliveriesAsync(later)).Should().BeEquivalentTo([("@back_user", "scheduled", (string?)null), viberTakenOff, ("back-viber-2", "scheduled", null)]);
    }

    [Fact]
    public async Task A_message_decided_before_an_id_changed_but_stored_after_it_goes_to_the_new_id()
    {
        var name = $"Racing {Guid.NewGuid():N}"[..16];
        var racing = await AddContactAsync(new { name, whatsApp = "+79990003344" });
        (await _alice.PatchAsJsonAsync($"/api/contacts/{racing}", new { whatsApp = "+79990005566" })).StatusCode.Should().Be(HttpStatusCode.OK);

        var messageId = Guid.NewGuid();
        var scheduled = await ScheduleDecidedBeforeAsync(messageId, new Recipient(racing, name, new MessengerIds(null, "+79990003344", null)));

        await Eventually.HoldsAsync(async () => (await DeliveriesAsync(messageId, scheduled)).SequenceEqual([("+79990005566", "scheduled", null)]), "the delivery to go to the new number");
    }

    [Fact]
    public async Task A_message_decided_before_a_removal_but_stored_after_it_is_cancelled_too()
    {
        var name = $"Raced {Guid.NewGuid():N}"[..16];
        var raced = await AddContactAsync(new { name, whatsApp = "+79990001122" });
        var kept = await AddContactAsync(new { name = $"Kept {Guid.NewGuid():N}"[..16], viber = "kept-raced" });
        (await _alice.DeleteAsync($"/api/contacts/{raced}")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        var messageId = Guid.NewGuid();
        var scheduled = await ScheduleDecidedBeforeAsync(messageId,
            new Recipient(raced, name, new MessengerIds(null, "+79990001122", null)), new Recipient(kept, "Kept", new MessengerIds(null, null, "kept-raced")));

        await Eventually.HoldsAsync(async () => (await StatusesAsync(messageId, scheduled)).Contains(("cancelled", raced)), "the delivery to the removed contact to be cancelled");
        (await StatusesAsync(messageId)).Should().BeEquivalentTo(new[] { ("cancelled", raced), ("scheduled", kept) });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_attempt_in_flight_at_the_removal_that_fails_is_neither_retried_nor_listed_as_failed(bool retryable)
    {
        var gone = await AddContactAsync(new { name = $"Flying {Guid.NewGuid():N}"[..16], viber = "flying-viber" });
        var message = await ScheduleAsync([gone], null);
        var delivery = (await DeliveryIdsAsync(message))[0];
        var now = DateTimeOffset.UtcNow;
        await AppendAsync(message, new DeliveryAttempted(message, delivery, 1, now));
        (await _alice.DeleteAsync($"/api/contacts/{gone}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        var removal = (await api.StreamAsync("contacts-alice")).Last(e => e.Type == "contact_removed").Position;
        await Eventually.HoldsAsync(async () => await ReactorPositionAsync() >= removal, "the reactor to pass the removal");
        (await StatusesAsync(message)).Should().Equal([("sending", gone)], "what is in flight ends as it ends");

        await AppendAsync(message, retryable
            ? new DeliveryAttemptFailed(message, delivery, 1, "503 Service Unavailable", now.AddMinutes(1), now)
            : new DeliveryFailed(message, delivery, 1, "503 Service Unavailable", false, now));

        await Eventually.HoldsAsync(async () => (await StatusesAsync(message)).SequenceEqual([("cancelled", gone)]), "the failed attempt's delivery to be cancelled");
        (await FailedAsync(0)).Should().NotContain(delivery);
    }

    private async Task<Guid> AddContactAsync(object contact) =>
        (await (await _alice.PostAsJsonAsync("/api/contacts", contact)).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private async Task<Guid> ScheduleAsync(Guid[] contactIds, DateTimeOffset? notBefore) =>
        (await (await _alice.PostAsJsonAsync("/api/messages", new { text = "Doors open at 18:00", contactIds, notBefore })).JsonAsync(HttpStatusCode.Accepted))
            .GetProperty("id").GetGuid();

    private async Task<IReadOnlyList<(string? Status, Guid Contact)>> StatusesAsync(Guid messageId, long minPosition = 0) =>
        [.. (await (await _alice.GetAsync($"/api/messages/{messageId}?minPosition={minPosition}")).JsonAsync(HttpStatusCode.OK)).GetProperty("deliveries").EnumerateArray()
            .Select(d => (d.GetProperty("status").GetString(), d.GetProperty("contactId").GetGuid()))];

    /// <summary>What a send decided on the book as it was just before a change, and appended after it: its position.</summary>
    private async Task<long> ScheduleDecidedBeforeAsync(Guid messageId, params Recipient[] recipients)
    {
        var handler = api.Services.GetRequiredService<CommandHandler>();
        var scheduled = await handler.HandleAsync(Message.Decider, Message.StreamId(messageId),
            new ScheduleMessage(messageId, "alice", "Sent in the same moment", DateTimeOffset.UtcNow.AddHours(1), recipients, "alice", DateTimeOffset.UtcNow),
            new CommandContext("alice", Guid.NewGuid().ToString(), null));
        return scheduled.Position!.Value;
    }

    private async Task<Guid[]> DeliveryIdsAsync(Guid messageId) =>
        [.. JsonDocument.Parse((await api.StreamAsync($"message-{messageId}"))[0].Data).RootElement.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("deliveryId").GetGuid())];

    /// <summary>Each delivery's address, status and why it was cancelled, as the API lists them: by contact, then messenger.</summary>
    private async Task<IReadOnlyList<(string? Address, string? Status, string? CancelReason)>> DeliveriesAsync(Guid messageId, long minPosition = 0) =>
        [.. (await (await _alice.GetAsync($"/api/messages/{messageId}?minPosition={minPosition}")).JsonAsync(HttpStatusCode.OK)).GetProperty("deliveries").EnumerateArray()
            .Select(d => (Str(d, "address"), Str(d, "status"), Str(d, "cancelReason")))];

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private async Task<IEnumerable<Guid>> FailedAsync(long minPosition) =>
        (await (await _alice.GetAsync($"/api/deliveries/failed?minPosition={minPosition}")).JsonAsync(HttpStatusCode.OK))
            .EnumerateArray().Select(r => r.GetProperty("deliveryId").GetGuid());

    private async Task<long> ReactorPositionAsync()
    {
        var reactors = await (await api.ClientFor("ops").GetAsync("/api/admin/reactors")).JsonAsync(HttpStatusCode.OK);
        return reactors.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "changed-contacts").GetProperty("position").GetInt64();
    }

    private Task<long> AppendAsync(Guid messageId, params IMessageEvent[] events) => DeliveryFailures.AppendAsync(api.Database.ConnectionString, messageId, events);
}
