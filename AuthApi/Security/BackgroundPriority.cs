using System.Runtime.InteropServices;

namespace AuthApi.Security;

/// <summary>
/// Puts the calling thread in Linux's SCHED_IDLE class: it runs whenever a core is free, and any other
/// thread that wakes up (an open transaction's next statement, the outbox relay, a request) takes the core
/// from it at once. .NET's Thread.Priority does nothing on Linux, where every thread has a policy of its own.
/// </summary>
internal static class BackgroundPriority
{
    private const int SchedIdle = 5;

    public static void LowerForThisThread()
    {
        if (OperatingSystem.IsLinux())
        {
            // Best effort: a refusal (e.g. a seccomp profile) leaves the thread at normal priority.
            var priority = 0;
            _ = SetScheduler(GetThreadId(), SchedIdle, ref priority);
        }
    }

    [DllImport("libc", EntryPoint = "sched_setscheduler")]
    private static extern int SetScheduler(int threadId, int policy, ref int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();
}
