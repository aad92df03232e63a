using System.Net.Sockets;
using Npgsql;

namespace Registration.ServiceDefaults.Data;

/// <summary>Tells a database outage (worth retrying) from a bug or a bad statement (not worth it).</summary>
public static class DatabaseFailures
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        NpgsqlException { IsTransient: true } => true,
        NpgsqlException { InnerException: IOException or SocketException or TimeoutException } => true,
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "08000" or "08003" or "08006" or "55P03" } => true,
        TimeoutException => true,
        _ => false,
    };
}
