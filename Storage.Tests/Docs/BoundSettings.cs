using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Storage.Host;

namespace Storage.Tests.Docs;

/// <summary>
/// Every configuration key the host binds, derived from the code: the options types registered by
/// the host's own builder, the section each is bound to (seen by a configuration provider that
/// records which keys the binder reads), and the bindable properties of each type by reflection.
/// A dictionary entry's key is written <c>&lt;key&gt;</c>.
/// </summary>
internal static class BoundSettings
{
    public const string DictionaryKey = "<key>";

    public static IReadOnlyList<string> Keys()
    {
        var builder = StorageHostBuilder.Create(["--Storage:Provider=sqlite", $"--Storage:Sqlite:Directory={Path.GetTempPath()}"]);
        var recorder = new RecordingSource();
        ((IConfigurationBuilder)builder.Configuration).Add(recorder);
        var optionsTypes = builder.Services
            .Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IConfigureOptions<>))
            .Select(d => d.ServiceType.GetGenericArguments()[0])
            .Where(t => t.Assembly.GetName().Name!.StartsWith("Storage.", StringComparison.Ordinal))
            .Distinct()
            .ToList();
        using var provider = builder.Services.BuildServiceProvider();
        var keys = new List<string>();
        foreach (var type in optionsTypes)
        {
            recorder.Read.Clear();
            var options = provider.GetRequiredService(typeof(IOptions<>).MakeGenericType(type));
            _ = options.GetType().GetProperty(nameof(IOptions<object>.Value))!.GetValue(options);
            // The binder reads a section's own value first: the shortest key read is the section.
            var section = recorder.Read.OrderBy(k => k.Length).FirstOrDefault();
            if (section is not null)
                Walk(type, section, keys);
        }
        return [.. keys.Distinct().Order(StringComparer.Ordinal)];
    }

    private static void Walk(Type type, string path, List<string> keys)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var key = $"{path}:{property.Name}";
            var settable = property.SetMethod is { IsPublic: true };
            if (IsLeaf(propertyType) || (propertyType.IsArray && IsLeaf(propertyType.GetElementType()!)))
            {
                if (settable)
                    keys.Add(key);
            }
            else if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                var value = propertyType.GetGenericArguments()[1];
                if (IsLeaf(value))
                    keys.Add($"{key}:{DictionaryKey}");
                else
                    Walk(value, $"{key}:{DictionaryKey}", keys);
            }
            else if (propertyType.IsClass && !typeof(IEnumerable).IsAssignableFrom(propertyType) && property.GetMethod is { IsPublic: true })
            {
                Walk(propertyType, key, keys);
            }
        }
    }

    private static bool IsLeaf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(Uri);
    }

    private sealed class RecordingSource : IConfigurationSource
    {
        public List<string> Read { get; } = [];

        public IConfigurationProvider Build(IConfigurationBuilder builder) => new RecordingProvider(Read);
    }

    // Added last, so it is asked first for every key; it never has a value itself.
    private sealed class RecordingProvider(List<string> read) : ConfigurationProvider
    {
        public override bool TryGet(string key, out string? value)
        {
            read.Add(key);
            value = null;
            return false;
        }
    }
}
