using System.Runtime.CompilerServices;
using System.Text.Json;
using Snapshooter;
using Snapshooter.Core;
using Snapshooter.Core.Serialization;

namespace Storage.Tests.Infrastructure;

/// <summary>
/// Snapshooter's core wired to MSTest (there is no Snapshooter.MSTest package for MSTest 4). A
/// snapshot is <c>__snapshots__/{Class}.{name}.snap</c> next to the calling test file; a missing one
/// is written on the first run and must be committed.
/// </summary>
internal static class Snapshot
{
    private static readonly Lazy<SnapshotAssert> Asserter = new(() =>
    {
        var serializer = new SnapshotSerializer(new GlobalSnapshotSettingsResolver());
        var files = new SnapshotFileHandler();
        return new SnapshotAssert(serializer, files, new SnapshotEnvironmentCleaner(files),
            new JsonSnapshotComparer(new MsTestAssert(), serializer), new JsonSnapshotFormatter(serializer));
    });

    /// <summary>Matches a JSON document (reply body) against the stored snapshot named <paramref name="name"/>.</summary>
    public static void Match(JsonElement json, string name, Func<MatchOptions, MatchOptions>? options = null, [CallerFilePath] string file = "")
    {
        var fileName = $"{Path.GetFileNameWithoutExtension(file)}.{name}.snap";
        var fullName = new SnapshotFullName(fileName, Path.GetDirectoryName(file)!);
        var parsed = Newtonsoft.Json.Linq.JToken.Parse(json.GetRawText());
        Asserter.Value.AssertSnapshot(parsed, fullName, options?.Invoke(new MatchOptions()) ?? new MatchOptions());
    }

    private sealed class MsTestAssert : IAssert
    {
        public void Assert(string expectedSnapshot, string actualSnapshot) =>
            Microsoft.VisualStudio.TestTools.UnitTesting.Assert.AreEqual(expectedSnapshot, actualSnapshot, "The reply differs from its snapshot.");
    }
}
