using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Storage.Core;
using Storage.Rows.Internal;

namespace Storage.Micro;

/// <summary>The row tier's filter document to SQL condition and parameters, for a small and a nested filter.</summary>
public class FilterBenchmarks
{
    private static readonly TableInfo Table = new("quotes",
    [
        new ColumnInfo("id", ColumnKind.Integer, "bigint", Required: false, Writable: false),
        new ColumnInfo("author", ColumnKind.Text, "text", Required: true, Writable: true),
        new ColumnInfo("text", ColumnKind.Text, "text", Required: true, Writable: true),
        new ColumnInfo("score", ColumnKind.Float, "double precision", Required: false, Writable: true),
        new ColumnInfo("created", ColumnKind.Timestamp, "timestamptz", Required: false, Writable: true),
    ], "id");

    private readonly JsonElement _simple = JsonDocument.Parse("""{"author":"ada","score":{"$gte":3}}""").RootElement;
    private readonly JsonElement _nested = JsonDocument.Parse("""
        {"$or":[{"author":{"$in":["ada","grace","edsger"]}},{"text":{"$like":"%proof%"}}],
         "score":{"$gt":1.5,"$lt":9},"created":{"$gte":"2026-01-01T00:00:00Z"},"$not":{"id":{"$in":[1,2,3]}}}
        """).RootElement;

    [Params(StorageProvider.Sqlite, StorageProvider.Postgres)]
    public StorageProvider Provider { get; set; }

    [Benchmark]
    public string Simple() => new FilterCompiler(Table, new SqlText(Provider)).Compile(_simple);

    [Benchmark]
    public string Nested() => new FilterCompiler(Table, new SqlText(Provider)).Compile(_nested);
}
