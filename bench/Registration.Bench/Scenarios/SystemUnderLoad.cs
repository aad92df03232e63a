using System.Diagnostics;
using Registration.Bench.Infrastructure;

namespace Registration.Bench.Scenarios;

/// <summary>AuthApi, one silo (the relay) and TodoConsumer (consumer on) as separate processes on one sandbox.</summary>
internal sealed class SystemUnderLoad : IAsyncDisposable
{
    private SystemUnderLoad(ServiceProcess auth, ServiceProcess silo, ServiceProcess todo)
    {
        Auth = auth;
        Silo = silo;
        Todo = todo;
    }

    public ServiceProcess Auth { get; }

    public ServiceProcess Todo { get; }

    public ServiceProcess Silo { get; }

    public IReadOnlyDictionary<string, int> Pids => new Dictionary<string, int> { ["AuthApi"] = Auth.Pid, ["Silo"] = Silo.Pid, ["TodoConsumer"] = Todo.Pid };

    /// <summary>Starts metering the services' JIT compiler threads, to show how much compiling a measurement still contains.</summary>
    public JitMeter JitMeter() => new(Pids);

    /// <param name="authBrokerPort">The broker port the silo's relay connects to (a proxy's, to cut it), or null for the broker itself.</param>
    public static async Task<SystemUnderLoad> StartAsync(BenchContext context, Sandbox sandbox, string name, int? authBrokerPort, CancellationToken cancellationToken)
    {
        // The silo first: TodoConsumer consumes only once it reaches the users' grains.
        var silo = await context.StartSiloAsync(sandbox, $"{name}-silo", authBrokerPort, cancellationToken);
        ServiceProcess? todo = null;
        try
        {
            todo = await context.StartTodoConsumerAsync(sandbox, $"{name}-todo-consumer", cancellationToken);
            var environment = context.ClusterEnvironment(sandbox);
            environment["ConnectionStrings__Database"] = context.ServiceConnectionString("AuthApi", sandbox.AuthDatabase);
            var auth = await context.StartServiceAsync("AuthApi", $"{name}-auth-api", environment, "\"description\":\"connected\"", cancellationToken);
            return new SystemUnderLoad(auth, silo, todo);
        }
        catch
        {
            if (todo is not null)
            {
                await todo.DisposeAsync();
            }

            await silo.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Auth.DisposeAsync();
        await Silo.DisposeAsync();
        await Todo.DisposeAsync();
    }
}

/// <summary>CPU of each service's JIT compiler threads from its start to <see cref="Record"/>, as a share of one core.</summary>
internal sealed class JitMeter(IReadOnlyDictionary<string, int> pids)
{
    private readonly Dictionary<string, TimeSpan> _start = pids.ToDictionary(p => p.Key, p => JitWarmUp.CompilerCpuTime(p.Value));
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void Record(Reporting.Measurements m, string phase)
    {
        foreach (var (name, pid) in pids)
        {
            m[$"JIT compiling {phase}: {name} (% of one core)"] = 100 * (JitWarmUp.CompilerCpuTime(pid) - _start[name]) / _clock.Elapsed;
        }
    }
}
