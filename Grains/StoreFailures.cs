using Npgsql;
using Registration.Contracts;
using Registration.ServiceDefaults.Data;

namespace Registration.Grains;

/// <summary>How a grain's database work fails towards its callers, the same for every grain.</summary>
internal static class StoreFailures
{
    /// <summary>
    /// Runs <paramref name="work"/>: a database outage becomes <see cref="StoreUnavailableException"/>, which every client
    /// knows to retry; any other database error an <see cref="InvalidOperationException"/> with its reason (Npgsql's
    /// exceptions do not cross to the silo's clients: there is no codec for them).
    /// </summary>
    public static async Task<T> Transient<T>(string database, Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (Exception ex) when (DatabaseFailures.IsTransient(ex))
        {
            throw new StoreUnavailableException($"the {database} database is unreachable: {ex.Message}");
        }
        catch (NpgsqlException ex)
        {
            throw new InvalidOperationException($"the {database} database refused it: {ex.Message}");
        }
    }
}
