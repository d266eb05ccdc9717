using System.Data.Common;

namespace Storage.Core;

/// <summary>Small helpers for adding parameters, shared by every tier.</summary>
public static class DbCommandExtensions
{
    /// <summary>Adds a named parameter (<c>@name</c> in SQL on both backends); null becomes DBNull.</summary>
    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }
}
