using CapPeer;

// The CAP peer of the benchmark (bench/Peers contract); its CAP settings and transport: README.md beside this file.
var builder = WebApplication.CreateBuilder(args);
builder.AddPeer();

var app = builder.Build();
app.UseExceptionHandler();
app.MapPeerApi();
app.Run();
