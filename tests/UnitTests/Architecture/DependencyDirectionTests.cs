using System.Reflection;
using System.Xml.Linq;
using EventSourced.TestSupport;
using FluentAssertions;

namespace EventSourced.UnitTests.Architecture;

/// <summary>Dependencies point inward: Domain &lt;- Application &lt;- {Infrastructure, Projections} &lt;- Api.</summary>
public sealed class DependencyDirectionTests
{
    private static readonly string[] Ours = ["Domain", "Application", "Infrastructure", "Projections", "Api"];

    public static TheoryData<string, string[]> Allowed => new()
    {
        { "Domain", [] },
        { "Application", ["Domain"] },
        { "Infrastructure", ["Application", "Domain"] },
        { "Projections", ["Application", "Domain"] },
        { "Api", ["Application", "Domain", "Infrastructure", "Projections"] },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void Each_layer_references_only_the_layers_inside_it(string layer, string[] allowed)
    {
        var referenced = Assembly.Load($"EventSourced.{layer}").GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("EventSourced.", StringComparison.Ordinal))
            .Select(n => n["EventSourced.".Length..]);

        referenced.Should().BeSubsetOf(allowed);
    }

    [Theory]
    [MemberData(nameof(Allowed))]
    public void Each_project_file_references_only_the_layers_inside_it(string layer, string[] allowed)
    {
        var references = Project(layer).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value));

        references.Should().BeSubsetOf(allowed).And.NotContain(Ours.Except(allowed));
    }

    [Fact]
    public void The_domain_has_no_package_references()
    {
        Project("Domain").Descendants("PackageReference").Should().BeEmpty();
        Project("Domain").Descendants("FrameworkReference").Should().BeEmpty();
    }

    private static XDocument Project(string layer) => XDocument.Load(Path.Combine(Repository.Root, "src", layer, $"{layer}.csproj"));
}
