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

    /// <summary>
    /// Matches a JSON reply against the stored snapshot named <paramref name="name"/>. Top-level
    /// fields in <paramref name="volatileFields"/> (revisions, times) must be present and are left
    /// out of the snapshot, so the committed file is the same on every run and backend.
    /// </summary>
    public static void Match(JsonElement json, string name, string[]? volatileFields = null, [CallerFilePath] string file = "")
    {
        var fileName = $"{Path.GetFileNameWithoutExtension(file)}.{name}.snap";
        var fullName = new SnapshotFullName(fileName, Path.GetDirectoryName(file)!);
        var parsed = Newtonsoft.Json.Linq.JObject.Parse(json.GetRawText());
        foreach (var field in volatileFields ?? [])
            Assert.IsTrue(parsed.Remove(field), $"The reply has no '{field}' field: {json}");
        Asserter.Value.AssertSnapshot(parsed, fullName, new MatchOptions());
    }

    private sealed class MsTestAssert : IAssert
    {
        public void Assert(string expectedSnapshot, string actualSnapshot) =>
            Microsoft.VisualStudio.TestTools.UnitTesting.Assert.AreEqual(expectedSnapshot, actualSnapshot, "The reply differs from its snapshot.");
    }
}
