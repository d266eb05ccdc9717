using System.Reflection;

namespace Storage.Tests.Architecture;

/// <summary>The layering of the design card, checked from the compiled assemblies' references.</summary>
[TestClass]
public sealed class DependencyTests
{
    private static readonly string[] Tiers = ["Storage.Kv", "Storage.Rows", "Storage.Sql", "Storage.Migrations"];

    [TestMethod]
    public void Tiers_reference_only_core_among_our_assemblies()
    {
        foreach (var tier in Tiers)
        {
            var ours = OurReferences(tier);
            CollectionAssert.IsSubsetOf(ours, new[] { "Storage.Core" }, $"{tier} references {string.Join(", ", ours)}");
        }
    }

    [TestMethod]
    public void Core_references_none_of_our_assemblies()
    {
        Assert.IsEmpty(OurReferences("Storage.Core"));
    }

    [TestMethod]
    public void Tiers_and_core_know_nothing_of_nats()
    {
        foreach (var name in Tiers.Append("Storage.Core"))
        {
            var nats = Assembly.Load(name).GetReferencedAssemblies().Where(r => r.Name!.StartsWith("NATS", StringComparison.Ordinal)).ToList();
            Assert.IsEmpty(nats, $"{name} references NATS");
        }
    }

    [TestMethod]
    public void Admin_references_core_and_tiers_but_not_nats_and_the_host_references_admin()
    {
        var admin = OurReferences("Storage.Admin");
        CollectionAssert.IsSubsetOf(admin, Tiers.Append("Storage.Core").ToArray(), $"Storage.Admin references {string.Join(", ", admin)}");
        Assert.IsEmpty(Assembly.Load("Storage.Admin").GetReferencedAssemblies().Where(r => r.Name!.StartsWith("NATS", StringComparison.Ordinal)).ToList());
        CollectionAssert.Contains(OurReferences("Storage.Host"), "Storage.Admin");
        foreach (var name in Tiers.Append("Storage.Core"))
            CollectionAssert.DoesNotContain(OurReferences(name), "Storage.Admin");
    }

    [TestMethod]
    public void Core_shows_its_internals_only_to_the_tests_and_the_migrations_tier()
    {
        var friends = Assembly.Load("Storage.Core").GetCustomAttributes<System.Runtime.CompilerServices.InternalsVisibleToAttribute>()
            .Select(a => a.AssemblyName).Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(new[] { "Storage.Migrations", "Storage.Tests" }, friends);
    }

    [TestMethod]
    public void Only_the_host_references_every_tier()
    {
        var host = OurReferences("Storage.Host");
        CollectionAssert.IsSubsetOf(new[] { "Storage.Kv", "Storage.Core" }, host);
        foreach (var name in Tiers.Append("Storage.Core"))
            CollectionAssert.DoesNotContain(OurReferences(name), "Storage.Host");
    }

    private static string[] OurReferences(string assembly) =>
        Assembly.Load(assembly).GetReferencedAssemblies()
            .Select(r => r.Name!)
            .Where(n => n.StartsWith("Storage.", StringComparison.Ordinal))
            .ToArray();
}
