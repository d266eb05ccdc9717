using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;

namespace Storage.Core.Internal;

/// <summary>
/// Checks the data annotations of one options object and says each failure by its configuration
/// key, the rule and the value: <c>Storage:Sqlite:BusyTimeoutMs must be &gt;= 0, was -5</c>.
/// (<c>ValidateDataAnnotations</c> neither descends into nested objects nor names the key.)
/// </summary>
internal static class OptionKeys
{
    public static List<string> Check(object options, string section)
    {
        var failures = new List<string>();
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = property.GetValue(options);
            var key = $"{section}:{property.Name}";
            foreach (var rule in property.GetCustomAttributes<ValidationAttribute>())
            {
                if (rule.IsValid(value))
                    continue;
                failures.Add(rule switch
                {
                    RequiredAttribute => $"{key} is required, was {Show(value)}",
                    RangeAttribute range when Below(value, range.Minimum) => $"{key} must be >= {range.Minimum}, was {Show(value)}",
                    RangeAttribute range => $"{key} must be <= {range.Maximum}, was {Show(value)}",
                    _ => $"{key}: {rule.FormatErrorMessage(property.Name)} (was {Show(value)})",
                });
            }
        }
        return failures;
    }

    private static bool Below(object? value, object minimum) =>
        value is IConvertible number && minimum is IConvertible min
        && number.ToDouble(CultureInfo.InvariantCulture) < min.ToDouble(CultureInfo.InvariantCulture);

    private static string Show(object? value) => value switch
    {
        null => "null",
        string text => $"'{text}'",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null",
    };
}
