using System.Reflection;

namespace Storage.Tests.Architecture;

/// <summary>The layering of the design card, checked from the compiled assemblies' references.</summary>
[TestClass]
public sealed class DependencyTests
{
    private static readonly string[] Tiers = ["Storage.Kv", "Storage.Rows", "Storage.Sql", "Storage.Migrations"];
    private static readonly string[] ForbiddenInContracts = ["Npgsql", "Microsoft.Data.Sqlite", "SQLitePCL", "NATS", "linq2db", "DbUp", "Microsoft.Extensions"];

    [TestMethod]
    public void Tiers_reference_only_core_and_contracts_among_our_assemblies()
    {
        foreach (var tier in Tiers)
        {
            var ours = OurReferences(tier);
            CollectionAssert.IsSubsetOf(ours, new[] { "Storage.Core", "Storage.Contracts" }, $"{tier} references {string.Join(", ", ours)}");
        }
    }

    [TestMethod]
    public void Core_references_only_contracts_among_our_assemblies()
    {
        CollectionAssert.IsSubsetOf(OurReferences("Storage.Core"), new[] { "Storage.Contracts" });
    }

    [TestMethod]
    public void Contracts_reference_nothing_of_ours_and_no_database_or_nats_package()
    {
        Assert.IsEmpty(OurReferences("Storage.Contracts"));
        var names = Assembly.Load("Storage.Contracts").GetReferencedAssemblies().Select(r => r.Name!).ToList();
        foreach (var forbidden in ForbiddenInContracts)
            Assert.IsFalse(names.Any(n => n.StartsWith(forbidden, StringComparison.OrdinalIgnoreCase)), $"Storage.Contracts references {forbidden}: {string.Join(", ", names)}");
    }

    [TestMethod]
    public void The_client_references_only_contracts_and_no_database_package()
    {
        CollectionAssert.AreEquivalent(new[] { "Storage.Contracts" }, OurReferences("Storage.Client"));
        var names = Assembly.Load("Storage.Client").GetReferencedAssemblies().Select(r => r.Name!).ToList();
        foreach (var forbidden in new[] { "Npgsql", "Microsoft.Data.Sqlite", "SQLitePCL", "linq2db", "DbUp" })
            Assert.IsFalse(names.Any(n => n.StartsWith(forbidden, StringComparison.OrdinalIgnoreCase)), $"Storage.Client references {forbidden}");
    }

    [TestMethod]
    public void The_twin_references_the_client_and_the_tiers_but_not_the_host()
    {
        var ours = OurReferences("Storage.Testing");
        CollectionAssert.IsSubsetOf(new[] { "Storage.Client", "Storage.Kv", "Storage.Rows", "Storage.Sql", "Storage.Migrations" }, ours);
        CollectionAssert.DoesNotContain(ours, "Storage.Host");
    }

    [TestMethod]
    public void Tiers_and_core_know_nothing_of_nats()
    {
        foreach (var name in Tiers.Append("Storage.Core").Append("Storage.Contracts"))
        {
            var nats = Assembly.Load(name).GetReferencedAssemblies().Where(r => r.Name!.StartsWith("NATS", StringComparison.Ordinal)).ToList();
            Assert.IsEmpty(nats, $"{name} references NATS");
        }
    }

    [TestMethod]
    public void Admin_references_core_and_tiers_but_not_nats_and_the_host_references_admin()
    {
        var admin = OurReferences("Storage.Admin");
        CollectionAssert.IsSubsetOf(admin, Tiers.Append("Storage.Core").Append("Storage.Contracts").ToArray(), $"Storage.Admin references {string.Join(", ", admin)}");
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
