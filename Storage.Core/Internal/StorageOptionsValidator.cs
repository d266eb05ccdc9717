using Microsoft.Extensions.Options;

namespace Storage.Core.Internal;

/// <summary>
/// The <c>Storage</c> section and the nested section of the backend in use, each failure naming its
/// key (see <see cref="OptionKeys"/>); checked at start (ValidateOnStart), so a bad setting stops the
/// app before the first request instead of surfacing in one.
/// </summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = OptionKeys.Check(options, "Storage");
        if (options.Sqlite is null)
            failures.Add("Storage:Sqlite must not be null");
        else if (options.Provider == StorageProvider.Sqlite)
            failures.AddRange(OptionKeys.Check(options.Sqlite, "Storage:Sqlite"));
        if (options.Postgres is null)
            failures.Add("Storage:Postgres must not be null");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
