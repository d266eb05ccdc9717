using Storage.Core;

namespace Storage.Tests.Rows;

/// <summary>Assertions on the row tier's errors.</summary>
internal static class RowAssert
{
    /// <summary>Runs <paramref name="action"/> and asserts it fails with <paramref name="code"/>; returns the exception.</summary>
    public static async Task<StorageException> FailsAsync(StorageErrorCode code, Func<Task> action)
    {
        var ex = await Assert.ThrowsExactlyAsync<StorageException>(action);
        Assert.AreEqual(code, ex.Code, ex.Message);
        return ex;
    }

    /// <summary>Same, and the message names <paramref name="text"/> (a column or field).</summary>
    public static async Task<StorageException> FailsAsync(StorageErrorCode code, string text, Func<Task> action)
    {
        var ex = await FailsAsync(code, action);
        Assert.Contains(text, ex.Message);
        return ex;
    }
}
