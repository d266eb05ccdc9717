using System.Text.Json;
using System.Text.Json.Nodes;
using Storage.Core;
using Storage.Migrations;
using Storage.Rows;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Migrations.MigrationOpsData;

namespace Storage.Tests.Migrations;

/// <summary>Portable ops: one migration text, the same rows, ids, comparisons and rollback on both backends.</summary>
[TestClass]
public sealed class MigrationOpsTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static JsonElement J(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Quote_ops_assign_ids_and_compare_timestamps_as_instants(string backend)
    {
        var (migrator, rows, plugin) = (TestBackends.Get<IMigrator>(backend), TestBackends.Get<IRowStore>(backend), TestPlugins.New("ops"));
        await migrator.ApplyAsync(plugin, Apply(Ops("001_quotes", QuoteOps)), None);

        var first = await rows.InsertAsync(plugin, new RowInsertRequest("quotes", J("""{"text":"a","author":"x","timestamp":"2025-06-01T12:00:00+02:00"}""")), None);
        var second = await rows.InsertAsync(plugin, new RowInsertRequest("quotes", J("""{"text":"b","author":"y"}""")), None);
        Assert.AreEqual("1", first.Id!.ToJsonString());
        Assert.AreEqual("2", second.Id!.ToJsonString());
        await rows.DeleteAsync(plugin, new RowDeleteRequest("quotes", J("2")), None);
        var third = await rows.InsertAsync(plugin, new RowInsertRequest("quotes", J("""{"text":"c"}""")), None);
        Assert.AreEqual("3", third.Id!.ToJsonString(), "a serial id is never reused on either backend");

        // 12:00+02:00 is 10:00Z: it must not match a bound of 11:00Z, as text comparison would.
        var later = await rows.SearchAsync(plugin, new RowSearchRequest("quotes", J("""{"timestamp":{"$gte":"2025-06-01T11:00:00Z","$lt":"2025-06-02T00:00:00Z"}}""")), None);
        Assert.IsEmpty(later.Rows);
        var earlier = await rows.SearchAsync(plugin, new RowSearchRequest("quotes", J("""{"timestamp":{"$gte":"2025-06-01T09:59:59Z","$lt":"2025-06-01T10:00:01Z"}}""")), None);
        Assert.HasCount(1, earlier.Rows);
        Assert.AreEqual("2025-06-01T10:00:00Z", earlier.Rows[0]["timestamp"]!.GetValue<string>());

        // The database's now() default is stored as a comparable instant too.
        var recent = await rows.SearchAsync(plugin, new RowSearchRequest("quotes", J($$$"""{"timestamp":{"$gte":"{{{DateTime.UtcNow.AddDays(-1):yyyy-MM-ddTHH:mm:ssZ}}}"}}""")), None);
        Assert.AreEqual("c", recent.Rows.Single()["text"]!.GetValue<string>());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Trivia_ops_describe_the_same_on_both_backends(string backend)
    {
        var (migrator, rows, plugin) = (TestBackends.Get<IMigrator>(backend), TestBackends.Get<IRowStore>(backend), TestPlugins.New("ops"));
        await migrator.ApplyAsync(plugin, Apply(Ops("001_trivia", TriviaOps)), None);
        var stats = await rows.InsertAsync(plugin, new RowInsertRequest("trivia_stats", J("""{"user_id":"u1"}""")), None);
        Assert.AreEqual("1", stats.Id!.ToJsonString());
        var row = await rows.SelectAsync(plugin, new RowSelectRequest("trivia_stats", J("1")), None);
        Assert.AreEqual("""{"id":1,"user_id":"u1","wins":0,"played":0}""", row.Row!.ToJsonString());
        var duplicate = await Assert.ThrowsAsync<StorageException>(() => rows.InsertAsync(plugin, new RowInsertRequest("trivia_stats", J("""{"user_id":"u1"}""")), None));
        Assert.AreEqual(StorageErrorCode.Conflict, duplicate.Code);

        var described = await rows.DescribeAsync(plugin, new RowDescribeRequest(), None);
        // The unique constraint's index is named by each database itself; everything else is identical.
        var json = JsonSerializer.SerializeToNode(described, RowsJsonContext.Default.RowDescribeResponse)!;
        var stat = json["tables"]![1]!["indexes"]![0]!;
        Assert.IsTrue(stat["unique"]!.GetValue<bool>());
        stat["name"] = "(database-named)";
        Snapshot.Match(JsonDocument.Parse(json.ToJsonString()).RootElement, "trivia_describe");
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Every_type_and_default_reads_back_the_same(string backend)
    {
        var (migrator, rows, plugin) = (TestBackends.Get<IMigrator>(backend), TestBackends.Get<IRowStore>(backend), TestPlugins.New("ops"));
        const string ops = """
            [{"op":"create_table","table":"all_types","columns":[
              {"name":"id","type":"bigserial","primary_key":true},
              {"name":"i","type":"integer","default":-5},
              {"name":"b","type":"bigint","default":9007199254740993},
              {"name":"r","type":"real","default":1.5},
              {"name":"d","type":"double","default":2.25},
              {"name":"n","type":"numeric","default":3.5},
              {"name":"t","type":"text","default":"it's"},
              {"name":"v","type":"varchar(10)","default":"v"},
              {"name":"f","type":"boolean","nullable":false,"default":true},
              {"name":"ts","type":"timestamptz","default":"2025-01-01T02:00:00+02:00"},
              {"name":"now","type":"timestamptz","default":{"function":"now"}},
              {"name":"day","type":"date","default":"2025-02-03"},
              {"name":"today","type":"date","default":{"function":"now"}},
              {"name":"j","type":"json","default":{"a":[1,2]}},
              {"name":"u","type":"uuid","default":"0F8FAD5B-D9CB-469F-A165-70867728950E"},
              {"name":"bl","type":"blob","default":"AQID"},
              {"name":"nothing","type":"text","default":null}]}]
            """;
        await migrator.ApplyAsync(plugin, Apply(Ops("001", ops)), None);
        var id = (await rows.InsertAsync(plugin, new RowInsertRequest("all_types", J("{}")), None)).Id!;
        var row = (await rows.SelectAsync(plugin, new RowSelectRequest("all_types", J(id.ToJsonString())), None)).Row!;
        Assert.IsTrue(row["now"]!.GetValue<string>().EndsWith('Z'));
        Assert.AreEqual(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), row["today"]!.GetValue<string>());
        row.Remove("now");
        row.Remove("today");
        var expected = JsonNode.Parse("""{"id":1,"i":-5,"b":9007199254740993,"r":1.5,"d":2.25,"n":3.5,"t":"it's","v":"v","f":true,"ts":"2025-01-01T00:00:00Z","day":"2025-02-03","j":{"a":[1,2]},"u":"0f8fad5b-d9cb-469f-a165-70867728950e","bl":"AQID","nothing":null}""");
        Assert.IsTrue(JsonNode.DeepEquals(expected, row), row.ToJsonString());

        // Values written by the row tier round-trip the same way.
        var written = await rows.InsertAsync(plugin, new RowInsertRequest("all_types", J("""{"u":"A0000000-0000-0000-0000-00000000000B","bl":"/wA=","f":false,"j":[true]}""")), None);
        var back = (await rows.SearchAsync(plugin, new RowSearchRequest("all_types", J($$"""{"id":{{written.Id!.ToJsonString()}},"u":"a0000000-0000-0000-0000-00000000000b","bl":"/wA="}"""), Fields: ["u", "bl", "f", "j"]), None)).Rows.Single();
        Assert.AreEqual("""{"f":false,"j":[true],"u":"a0000000-0000-0000-0000-00000000000b","bl":"/wA="}""", back.ToJsonString());

        var described = (await rows.DescribeAsync(plugin, new RowDescribeRequest("all_types"), None)).Tables.Single();
        Snapshot.Match(JsonDocument.Parse(JsonSerializer.Serialize(described, RowsJsonContext.Default.RowTableDescription)).RootElement, "all_types_describe");
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Rollback_without_down_runs_the_inverse_ops_newest_first(string backend)
    {
        var (migrator, rows, plugin) = (TestBackends.Get<IMigrator>(backend), TestBackends.Get<IRowStore>(backend), TestPlugins.New("ops"));
        await migrator.ApplyAsync(plugin, Apply(Ops("001_quotes", QuoteOps)), None);
        const string changes = """
            [{"op":"add_column","table":"quotes","column":{"name":"score","type":"integer","nullable":false,"default":0,"unique":true}},
             {"op":"rename_column","table":"quotes","from":"author","to":"writer"},
             {"op":"create_index","table":"quotes","name":"quotes_score_text","columns":["score","text"],"unique":true},
             {"op":"rename_table","from":"quotes","to":"sayings"}]
            """;
        await migrator.ApplyAsync(plugin, Apply(Ops("001_quotes", QuoteOps), Ops("002_changes", changes)), None);
        var changed = (await rows.DescribeAsync(plugin, new RowDescribeRequest(), None)).Tables.Single();
        Assert.AreEqual("sayings", changed.Name);
        CollectionAssert.AreEqual(new[] { "quotes_author", "quotes_score_key", "quotes_score_text" }, changed.Indexes.Select(i => i.Name).ToArray());

        var back = await migrator.RollbackAsync(plugin, new MigrationRollbackRequest(), None);

        CollectionAssert.AreEqual(new[] { "002_changes" }, back.RolledBack.ToArray());
        var original = (await rows.DescribeAsync(plugin, new RowDescribeRequest(), None)).Tables.Single();
        Assert.AreEqual("quotes", original.Name);
        CollectionAssert.AreEqual(new[] { "added_by", "author", "id", "text", "timestamp" }, original.Columns.Select(c => c.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "quotes_author" }, original.Indexes.Select(i => i.Name).ToArray());
        await migrator.RollbackAsync(plugin, new MigrationRollbackRequest(), None);
        Assert.IsEmpty((await rows.DescribeAsync(plugin, new RowDescribeRequest(), None)).Tables);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite, "drop_column", """{"op":"drop_column","table":"quotes","column":"added_by"}""")]
    [DataRow(Backend.Postgres, "drop_column", """{"op":"drop_column","table":"quotes","column":"added_by"}""")]
    [DataRow(Backend.Sqlite, "execute", """{"op":"execute","sql":{"postgres":"UPDATE quotes SET text = 'p'","sqlite":"UPDATE quotes SET text = 's'"}}""")]
    [DataRow(Backend.Postgres, "drop_index", """{"op":"drop_index","name":"quotes_author"}""")]
    [DataRow(Backend.Sqlite, "drop_table", """{"op":"drop_table","table":"quotes"}""")]
    public async Task An_irreversible_op_applies_but_its_rollback_is_refused_naming_it(string backend, string op, string json)
    {
        var (migrator, plugin) = (TestBackends.Get<IMigrator>(backend), TestPlugins.New("ops"));
        await migrator.ApplyAsync(plugin, Apply(Ops("001_quotes", QuoteOps), Ops("002", $"""[{json}]""")), None);

        var error = await Assert.ThrowsAsync<StorageException>(() => migrator.RollbackAsync(plugin, new MigrationRollbackRequest(), None));

        Assert.AreEqual(StorageErrorCode.InvalidRequest, error.Code);
        Assert.AreEqual($"ops[0] ({op})", error.Details["op"]);
        Assert.Contains("not reversible", error.Message);
        Assert.AreEqual("002", (await migrator.StatusAsync(plugin, None)).Current);

        // With its own down the same migration rolls back.
        var other = TestPlugins.New("ops");
        await migrator.ApplyAsync(other, Apply(Ops("001_quotes", QuoteOps), Ops("002", $"""[{json}]""", MigrationSql.Both(""))), None);
        Assert.AreEqual("001_quotes", (await migrator.RollbackAsync(other, new MigrationRollbackRequest(), None)).Current);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_checksum_covers_the_ops_and_not_their_whitespace(string backend)
    {
        var (migrator, plugin) = (TestBackends.Get<IMigrator>(backend), TestPlugins.New("ops"));
        await migrator.ApplyAsync(plugin, Apply(Ops("001", QuoteOps)), None);
        var compact = JsonNode.Parse(QuoteOps)!.ToJsonString();
        Assert.IsEmpty((await migrator.ApplyAsync(plugin, Apply(Ops("001", compact)), None)).Applied);

        var edited = await Assert.ThrowsAsync<StorageException>(() => migrator.ApplyAsync(plugin, Apply(Ops("001", compact.Replace("varchar(255)", "text", StringComparison.Ordinal))), None));
        Assert.AreEqual(StorageErrorCode.Conflict, edited.Code);
    }

    [TestMethod]
    [DataRow("""[{"op":"create_table","table":"a","columns":[{"name":"id","type":"serial","primary_key":true}]},{"op":"create_tabel","table":"b"}]""", "migrations[0].ops[1].op", "create_table")]
    [DataRow("""[{"op":"create_table","table":"a","columns":[{"name":"id","type":"intger"}]}]""", "migrations[0].ops[0].columns[0].type", "integer")]
    [DataRow("""[{"op":"create_table","table":"a","columns":[{"name":"id","type":"integer","default":"x"}]}]""", "migrations[0].ops[0].columns[0].default", null)]
    [DataRow("""[{"op":"create_table","table":"A","columns":[{"name":"id","type":"integer"}]}]""", "migrations[0].ops[0].table", null)]
    [DataRow("""[{"op":"create_table","table":"a","columns":[{"name":"id","type":"serial"}]}]""", "migrations[0].ops[0].columns[0].primary_key", null)]
    [DataRow("""[{"op":"add_column","table":"a","column":{"name":"at","type":"timestamptz","default":{"function":"now"}}}]""", "migrations[0].ops[0].column.default", null)]
    [DataRow("""[{"op":"create_index","table":"a","name":"i","columns":[]}]""", "migrations[0].ops[0].columns", null)]
    [DataRow("""[{"op":"execute","sql":{"postgres":"SELECT 1"}}]""", "migrations[0].ops[0].sql", null)]
    [DataRow("""{"op":"drop_table"}""", "migrations[0].ops", null)]
    public async Task Invalid_ops_name_the_op_index_and_field(string ops, string field, string? suggestion)
    {
        var migrator = TestBackends.Get<IMigrator>(Backend.Sqlite);
        var error = await Assert.ThrowsAsync<StorageException>(() => migrator.ApplyAsync(TestPlugins.New("ops"), Apply(Ops("001", ops)), None));
        Assert.AreEqual(StorageErrorCode.InvalidRequest, error.Code, error.Message);
        Assert.AreEqual(field, error.Details["field"], error.Message);
        Assert.AreEqual(suggestion, error.Details.TryGetValue("suggestion", out var s) ? s : null, error.Message);
    }

    [TestMethod]
    public async Task Up_and_ops_together_are_refused()
    {
        var migrator = TestBackends.Get<IMigrator>(Backend.Sqlite);
        var migration = Ops("001", QuoteOps) with { Up = MigrationSql.Both("SELECT 1") };
        var error = await Assert.ThrowsAsync<StorageException>(() => migrator.ApplyAsync(TestPlugins.New("ops"), Apply(migration), None));
        Assert.AreEqual("migrations[0].ops", error.Details["field"]);
    }
}
