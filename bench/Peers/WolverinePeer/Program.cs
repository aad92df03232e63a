using WolverinePeer;

var builder = WebApplication.CreateBuilder(args);
builder.AddPeer();

var app = builder.Build();
app.MapPeerApi();
app.Run();
