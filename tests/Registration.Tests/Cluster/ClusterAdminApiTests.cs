using System.Net;
using System.Net.Http.Json;
using AuthApi.Admin;
using Registration.Grains;
using Registration.Tests.Dashboard;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Cluster;

/// <summary>GET /api/v1/admin/cluster: Orleans' view of the silos and of the relay partitions, on AuthApi only.</summary>
public sealed class ClusterAdminApiTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Admin_cluster_view_shows_the_silos_each_partitions_silo_and_epoch_and_the_move_when_a_silo_is_killed()
    {
        var api = _system.StartAuthApi(TestAdmin.Settings);
        await _system.MigrateServiceDatabasesAsync(); // the todo and notify outboxes' relays need their tables (neither service is started here)
        var admin = api.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Admin-Key", TestAdmin.Key);
        var no = await admin.GetFromJsonAsync<ClusterAdminApi.ClusterView>("/api/v1/admin/cluster");
        Assert.All(no!.Partitions, p => Assert.False(p.Live)); // no silo runs yet

        var survivor = await _system.StartSiloAsync();
        var victim = await _system.StartSiloAsync();
        await PartitionOwners.SettledAsync(admin, 2);
        var view = (await admin.GetFromJsonAsync<ClusterAdminApi.ClusterView>("/api/v1/admin/cluster"))!;
        Assert.Equal(16, view.Partitions.Count(p => p.Outbox == Outboxes.Auth));
        Assert.Equal(16, view.Partitions.Count(p => p.Outbox == Outboxes.Todo));
        Assert.Equal(16, view.Partitions.Count(p => p.Outbox == Outboxes.Notify));
        Assert.All(view.Partitions, p => Assert.True(p.Token >= 1, "each activation took an epoch"));
        view = await Eventually.ReturnsAsync(
            async () => (await admin.GetFromJsonAsync<ClusterAdminApi.ClusterView>("/api/v1/admin/cluster"))!,
            v => v.Silos.Count(s => s.Status == "Active") == 2, "both silos listed active");
        foreach (var silo in new[] { survivor, victim })
        {
            var listed = Assert.Single(view.Silos, s => s.Address.StartsWith(silo.SiloEndpoint, StringComparison.Ordinal));
            Assert.True(listed.Activations >= 1, $"the silo's activations include its relay grains ({listed.Activations})");
        }

        victim.Kill();
        view = await Eventually.ReturnsAsync(
            async () => (await admin.GetFromJsonAsync<ClusterAdminApi.ClusterView>("/api/v1/admin/cluster"))!,
            v => v.Partitions.All(p => p.Live && p.Owner!.StartsWith(survivor.SiloEndpoint, StringComparison.Ordinal)),
            "every partition on the surviving silo", TimeSpan.FromSeconds(30));
        await Eventually.ReturnsAsync(
            async () => (await admin.GetFromJsonAsync<ClusterAdminApi.ClusterView>("/api/v1/admin/cluster"))!,
            v => v.Silos.Any(s => s.Address.StartsWith(victim.SiloEndpoint, StringComparison.Ordinal) && s.Status == "Dead"),
            "the killed silo listed dead");
    }

    [Fact]
    public async Task Todo_service_has_no_cluster_view()
    {
        var admin = _system.StartTodoConsumer(TestAdmin.With(("Consumer:Enabled", "false"))).CreateClient().WithAdminKey();

        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/v1/admin/cluster")).StatusCode);
    }

    [Fact]
    public async Task Admin_endpoints_require_the_admin_key()
    {
        var http = _system.StartAuthApi(TestAdmin.Settings).CreateClient();

        await (await http.GetAsync("/api/v1/admin/cluster")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        http.DefaultRequestHeaders.Add("X-Admin-Key", "wrong");
        await (await http.GetAsync("/api/v1/admin/cluster")).AssertProblemAsync(HttpStatusCode.Unauthorized);

        var disabled = _system.StartAuthApi().CreateClient();
        disabled.DefaultRequestHeaders.Add("X-Admin-Key", "");
        await (await disabled.GetAsync("/api/v1/admin/cluster")).AssertProblemAsync(HttpStatusCode.Forbidden);
    }
}
