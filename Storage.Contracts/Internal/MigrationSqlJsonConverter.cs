using System.Text.Json;
using System.Text.Json.Serialization;

namespace Storage.Contracts.Internal;

/// <summary>Reads <c>up</c>/<c>down</c> as a string (both backends) or as <c>{"postgres","sqlite"}</c>; writes the object form.</summary>
internal sealed class MigrationSqlJsonConverter : JsonConverter<MigrationSql>
{
    public override MigrationSql? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
            return MigrationSql.Both(reader.GetString()!);
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("Expected a String or an object with 'postgres' and/or 'sqlite' strings.");
        string? postgres = null, sqlite = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            if (name is "postgres" or "sqlite")
            {
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
                    throw new JsonException($"Expected a String for '{name}'.");
                if (name == "postgres")
                    postgres = reader.GetString();
                else
                    sqlite = reader.GetString();
            }
            else
            {
                reader.Skip(); // Unknown fields are ignored, as everywhere in the contract.
            }
        }
        return new MigrationSql(postgres, sqlite);
    }

    public override void Write(Utf8JsonWriter writer, MigrationSql value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("postgres", value.Postgres);
        writer.WriteString("sqlite", value.Sqlite);
        writer.WriteEndObject();
    }
}
