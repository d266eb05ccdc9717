using System.Text.Json;
using Storage.Migrations;

namespace Storage.Tests.Migrations;

/// <summary>The quote-db and trivia migrations written once with portable ops.</summary>
internal static class MigrationOpsData
{
    public const string QuoteOps = """
        [{"op":"create_table","table":"quotes","columns":[
            {"name":"id","type":"serial","primary_key":true},
            {"name":"text","type":"text","nullable":false},
            {"name":"author","type":"varchar(255)"},
            {"name":"added_by","type":"varchar(255)"},
            {"name":"timestamp","type":"timestamptz","default":{"function":"now"}}]},
         {"op":"create_index","table":"quotes","name":"quotes_author","columns":["author"]}]
        """;

    public const string TriviaOps = """
        [{"op":"create_table","table":"trivia_rounds","columns":[
            {"name":"id","type":"bigserial","primary_key":true},
            {"name":"user_id","type":"text","nullable":false},
            {"name":"result","type":"text","nullable":false},
            {"name":"timestamp","type":"timestamptz","nullable":false}]},
         {"op":"create_index","table":"trivia_rounds","name":"trivia_rounds_result_time","columns":["result","timestamp"]},
         {"op":"create_table","table":"trivia_stats","columns":[
            {"name":"id","type":"bigserial","primary_key":true},
            {"name":"user_id","type":"text","nullable":false,"unique":true},
            {"name":"wins","type":"integer","nullable":false,"default":0},
            {"name":"played","type":"integer","nullable":false,"default":0}]}]
        """;

    public static Migration Ops(string version, string ops, MigrationSql? down = null) =>
        new(version, null, down, JsonDocument.Parse(ops).RootElement.Clone());

    public static MigrationApplyRequest Apply(params Migration[] migrations) => new(migrations);
}
