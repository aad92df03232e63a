using Microsoft.Playwright;

namespace Registration.Tests.Dashboard;

/// <summary>
/// Debian's chromium driven by Playwright. Playwright never downloads a browser here: it is given the
/// system one (scripts/infra.sh installs it when missing).
/// </summary>
public static class Browser
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
            ],
        });

    /// <summary>Where the test saves screenshots: TEST_ARTIFACTS (set by scripts/test.sh), else the test's output directory.</summary>
    public static string ArtifactPath(string fileName)
    {
        var directory = Environment.GetEnvironmentVariable("TEST_ARTIFACTS") is { Length: > 0 } artifacts ? artifacts : AppContext.BaseDirectory;
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, fileName);
    }
}
