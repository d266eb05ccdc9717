using System.CommandLine;
using Microsoft.Data.Sqlite;
using Storage.Host.Commands;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Admin;

/// <summary>
/// <c>Storage.Host backup --dir D</c> while the service writes, then a restore drill: a new host on
/// the copies serves every write acknowledged before the backup began.
/// </summary>
[TestClass]
public sealed class SqliteBackupTests
{
    [TestMethod]
    public async Task A_backup_taken_during_writes_restores_every_write_acknowledged_before_it()
    {
        var data = Directory.CreateTempSubdirectory("storage-backup-data-").FullName;
        var copies = Directory.CreateTempSubdirectory("storage-backup-copies-").FullName;
        var plugins = Enumerable.Range(0, 3).Select(_ => TestPlugins.New().Value).ToList();
        var acknowledgedDuring = new List<(string Plugin, int Key)>();
        await using (var host = await DedicatedHost.StartAsync(Backend.Sqlite, [$"--Storage:Sqlite:Directory={data}"]))
        {
            foreach (var plugin in plugins)
            {
                var migrate = await host.RequestAsync($"db.migrate.{plugin}",
                    """{"action":"apply","migrations":[{"version":"001","up":"CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"}]}""");
                Assert.IsFalse(migrate.IsError, migrate.Body.ToString());
                for (var i = 0; i < 50; i++)
                {
                    Assert.IsFalse((await host.RequestAsync($"db.kv.{plugin}.set", $$"""{"key":"before-{{i}}","value":{{i}}}""")).IsError);
                    Assert.IsFalse((await host.RequestAsync($"db.row.{plugin}.insert", $$$"""{"table":"notes","data":{"body":"note {{{i}}}"}}""")).IsError);
                }
            }

            using var stop = new CancellationTokenSource();
            var writer = Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                    foreach (var plugin in plugins)
                        if (!(await host.RequestAsync($"db.kv.{plugin}.set", $$"""{"key":"during-{{i}}","value":{{i}}}""")).IsError)
                            lock (acknowledgedDuring)
                                acknowledgedDuring.Add((plugin, i));
            });
            var output = new StringWriter();
            var exit = await new RootCommand { BackupCommand.Create() }
                .Parse(["backup", "--dir", copies, $"--Storage:Sqlite:Directory={data}", "--Storage:Provider=sqlite"])
                .InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
            await stop.CancelAsync();
            await writer;
            Assert.AreEqual(0, exit, output.ToString());
            StringAssert.Contains(output.ToString(), "3 plugin file(s) copied");
        }

        foreach (var plugin in plugins)
        {
            var file = Path.Combine(copies, plugin + ".db");
            Assert.IsFalse(File.Exists(file + "-wal") && new FileInfo(file + "-wal").Length > 0, "The copy must be self-contained.");
            using var check = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
            check.Open();
            using var integrity = check.CreateCommand();
            integrity.CommandText = "PRAGMA integrity_check";
            Assert.AreEqual("ok", integrity.ExecuteScalar());
        }

        await using var restored = await DedicatedHost.StartAsync(Backend.Sqlite, [$"--Storage:Sqlite:Directory={copies}"]);
        foreach (var plugin in plugins)
        {
            for (var i = 0; i < 50; i++)
                Assert.AreEqual(i, (await restored.RequestAsync($"db.kv.{plugin}.get", $$"""{"key":"before-{{i}}"}"""))["value"].GetInt32());
            var rows = await restored.RequestAsync($"db.row.{plugin}.search", """{"table":"notes","limit":100}""");
            Assert.AreEqual(50, rows["rows"].GetArrayLength(), rows.Body.ToString());
            var status = await restored.RequestAsync($"db.migrate.{plugin}", """{"action":"status"}""");
            StringAssert.Contains(status.Body.ToString(), "\"001\"");
            // Revisions continue past everything the copy holds.
            var list = await restored.RequestAsync($"db.kv.{plugin}.list", """{"limit":1000}""");
            long newest = 0;
            foreach (var key in list["keys"].EnumerateArray())
                newest = Math.Max(newest, await RevisionOf(restored, plugin, key.GetString()!));
            var next = await restored.RequestAsync($"db.kv.{plugin}.set", """{"key":"after","value":1}""");
            Assert.IsGreaterThan(newest, next["revision"].GetInt64());
        }
        Assert.IsNotEmpty(acknowledgedDuring, "No write ran while the backup was taken; the test proves nothing.");
    }

    [TestMethod]
    public async Task Backup_refuses_its_own_data_directory_and_postgres()
    {
        var data = Directory.CreateTempSubdirectory("storage-backup-same-").FullName;
        var output = new StringWriter();
        var same = await new RootCommand { BackupCommand.Create() }
            .Parse(["backup", "--dir", data, $"--Storage:Sqlite:Directory={data}", "--Storage:Provider=sqlite"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
        Assert.AreEqual(1, same);
        StringAssert.Contains(output.ToString(), "INVALID_REQUEST");

        var postgres = await new RootCommand { BackupCommand.Create() }
            .Parse(["backup", "--dir", data, "--Storage:Provider=postgres", "--Storage:Postgres:ConnectionString=Host=127.0.0.1"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
        Assert.AreEqual(2, postgres);
        StringAssert.Contains(output.ToString(), "pg_dump");
    }

    private static async Task<long> RevisionOf(DedicatedHost host, string plugin, string key) =>
        (await host.RequestAsync($"db.kv.{plugin}.get", $$"""{"key":"{{key}}"}"""))["revision"].GetInt64();
}
