using System.Text.Json;
using Storage.Core;
using Storage.Host.Nats;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Docs;

/// <summary>
/// The docs (README.md, docs/*.md) and the code agree on every subject, setting and error code, both
/// ways. The code side is derived: error codes from <see cref="StorageErrorCode"/>, settings from the
/// options types the host binds (<see cref="BoundSettings"/>), subjects from the running host's <c>$SRV.INFO</c>.
/// </summary>
[TestClass]
public sealed class DocCheckTests
{
    private static readonly Lazy<DocText> Docs = new(DocText.Load);
    private static readonly Lazy<IReadOnlyList<string>> Settings = new(BoundSettings.Keys);

    // NATS micro discovery subjects the micro library answers for the service.
    private static readonly string[] MicroVerbs = ["PING", "INFO", "STATS"];

    [TestMethod]
    public void Every_error_code_the_docs_name_exists()
    {
        var codes = Enum.GetValues<StorageErrorCode>().Select(c => c.WireName()).ToHashSet(StringComparer.Ordinal);
        var named = Docs.Value.ErrorCodes().ToList();
        Assert.IsGreaterThan(50, named.Count, "The doc scan found almost no error codes; is it still reading the docs?");
        var unknown = named.Where(c => !codes.Contains(c.Code)).Select(c => $"{c.Line}: {c.Code}").ToList();
        Assert.IsEmpty(unknown, "Error codes in the docs that the code does not have:\n" + string.Join('\n', unknown));
    }

    [TestMethod]
    public void Every_error_code_is_in_the_contract_table_with_its_status_number()
    {
        var table = Docs.Value.Lines.Where(l => l.File == Path.Combine("docs", "contract.md") && l.Text.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Text.Split('|', StringSplitOptions.TrimEntries))
            .Where(cells => cells.Length > 3 && int.TryParse(cells[2], out _))
            .ToDictionary(cells => cells[1].Trim('`'), cells => int.Parse(cells[2], System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);
        var wrong = Enum.GetValues<StorageErrorCode>()
            .Where(c => !table.TryGetValue(c.WireName(), out var number) || number != c.StatusNumber())
            .Select(c => $"{c.WireName()} ({c.StatusNumber()})").ToList();
        Assert.IsEmpty(wrong, "Error codes missing from docs/contract.md's table or with another number there: " + string.Join(", ", wrong));
    }

    [TestMethod]
    public void Every_setting_the_docs_name_is_bound()
    {
        var keys = Settings.Value.Select(k => k.Split(':')).ToList();
        var named = DocSettings().ToList();
        Assert.IsGreaterThan(40, named.Count, "The doc scan found almost no settings; is it still reading the docs?");
        var unknown = named
            .Where(d => !keys.Any(k => SettingMatches(d.Key.Split(':'), k, prefixAllowed: true)))
            .Select(d => $"{d.Line}: {d.Key}").ToList();
        Assert.IsEmpty(unknown, "Settings in the docs that no options type binds:\n" + string.Join('\n', unknown));
    }

    [TestMethod]
    public void Every_bound_setting_is_documented()
    {
        var named = DocSettings().ToList();
        var undocumented = Settings.Value.Where(key =>
        {
            var parts = key.Split(':');
            if (named.Any(d => SettingMatches(d.Key.Split(':'), parts, prefixAllowed: false)))
                return false;
            // A section named on a line that also names the key's last part (`RateLimits:Kv`: `{PermitsPerSecond, Burst}`).
            return !named.Any(d => SettingMatches(d.Key.Split(':'), parts[..^1], prefixAllowed: true) && d.Line.Text.Contains(parts[^1], StringComparison.Ordinal));
        }).ToList();
        Assert.IsEmpty(undocumented, "Settings the host binds that no doc names:\n" + string.Join('\n', undocumented));
    }

    [TestMethod]
    public async Task Every_subject_the_docs_name_is_served()
    {
        var served = await ServedSubjectsAsync();
        var named = Docs.Value.Subjects().ToList();
        Assert.IsGreaterThan(30, named.Count, "The doc scan found almost no subjects; is it still reading the docs?");
        var unknown = named
            .Where(d => d.Subject.StartsWith("$SRV.", StringComparison.Ordinal)
                ? !IsMicroSubject(d.Subject)
                : !SubjectPattern.Expand(d.Subject).All(doc => served.Any(s => SubjectPattern.Overlaps(doc, s))))
            .Select(d => $"{d.Line}: {d.Subject}").ToList();
        Assert.IsEmpty(unknown, "Subjects in the docs that the host does not serve:\n" + string.Join('\n', unknown));
    }

    [TestMethod]
    public async Task Every_served_subject_is_documented()
    {
        var named = Docs.Value.Subjects().SelectMany(d => SubjectPattern.Expand(d.Subject)).ToList();
        var undocumented = (await ServedSubjectsAsync())
            .Where(s => !named.Any(doc => SubjectPattern.Documents(doc, s)))
            .Select(s => string.Join('.', s)).ToList();
        Assert.IsEmpty(undocumented, "Subjects the host serves that no doc names:\n" + string.Join('\n', undocumented));
    }

    private static IEnumerable<(DocLine Line, string Key)> DocSettings()
    {
        var roots = Settings.Value.Select(k => k.Split(':')[0]).ToHashSet(StringComparer.Ordinal);
        return Docs.Value.Settings(roots);
    }

    // A dictionary key (<key>) in the code matches any part; a doc may name a section (a prefix) when allowed.
    private static bool SettingMatches(string[] doc, string[] code, bool prefixAllowed) =>
        (doc.Length == code.Length || (prefixAllowed && doc.Length < code.Length))
        && doc.Select((part, i) => code[i] == BoundSettings.DictionaryKey || part == code[i]).All(ok => ok);

    private static bool IsMicroSubject(string subject)
    {
        var tokens = subject.Split('.');
        return tokens[1] == ">" || (MicroVerbs.Contains(tokens[1]) && (tokens.Length == 2 || (tokens.Length == 3 && tokens[2] == StorageService.ServiceName)));
    }

    // What the host subscribes to, per operation: a tier endpoint's `db.kv.*.>` with its metadata's operations.
    private static async Task<IReadOnlyList<string[]>> ServedSubjectsAsync()
    {
        await using var host = await DedicatedHost.StartAsync(Backend.Sqlite);
        var info = JsonDocument.Parse((await host.Client.RequestAsync<byte[], byte[]>($"$SRV.INFO.{StorageService.ServiceName}", [])).Data!).RootElement;
        var subjects = new List<string[]>();
        foreach (var endpoint in info.GetProperty("endpoints").EnumerateArray())
        {
            var subject = endpoint.GetProperty("subject").GetString()!;
            if (endpoint.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty(RequestDispatcher.OperationsMetadataKey, out var operations))
            {
                Assert.EndsWith(".>", subject);
                subjects.AddRange(operations.GetString()!.Split(',').Select(op => $"{subject[..^1]}{op}".Split('.')));
            }
            else
            {
                subjects.Add(subject.Split('.'));
            }
        }
        Assert.IsGreaterThan(5, subjects.Count);
        return subjects;
    }
}
