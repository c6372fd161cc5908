using System.Text.Json;
using EventSourced.Application.EventStore;
using EventSourced.Application.Privacy;
using FluentAssertions;

namespace EventSourced.UnitTests.Contracts;

/// <summary>
/// The personal-field rules name fields the events really have: a renamed field or event would
/// otherwise be stored in clear without anyone noticing.
/// </summary>
public sealed class PersonalFieldsTests
{
    private static readonly EventTypeRegistry Registry = EventCatalog.Create();

    public static TheoryData<string> RuleTypes => [.. PersonalFields.Rules.Keys];

    [Theory]
    [MemberData(nameof(RuleTypes))]
    public void Each_rule_finds_a_subject_and_every_personal_field_in_its_events_sample(string type)
    {
        var rule = PersonalFields.Rules[type];
        Registry.Registered.Should().ContainKey(type);
        var sample = EventContractTests.Samples.Single(s => Registry.NameOf(s.GetType()) == type);
        var json = JsonDocument.Parse(Registry.ToEventData(sample, Guid.CreateVersion7(), EventMetadata.Empty).Data).RootElement;

        var scopes = rule.Scopes(json).ToList();
        scopes.Should().NotBeEmpty();
        foreach (var scope in scopes)
        {
            rule.SubjectOf(json, scope).Should().NotBeNull();
            scope.EnumerateObject().Select(p => p.Name).Should().Contain(rule.Fields);
        }
    }

    [Fact]
    public void A_buyer_is_found_by_email_or_phone_whichever_is_known_and_both_lead_to_one_subject()
    {
        Subject.Buyer(" Anna@Example.com ", "+7 900 123-45-67")!.Aliases.Should().Equal("buyer-email:anna@example.com", "buyer-phone:79001234567");
        Subject.Buyer(null, "+79001234567")!.Aliases.Should().Equal("buyer-phone:79001234567");
        Subject.Buyer(" ", null).Should().BeNull();
    }
}
