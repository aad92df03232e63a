using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Registration.ServiceDefaults.Http;

/// <summary>
/// Accepts or makes the correlation id, echoes it, puts it in the scope of every log line, and in Orleans' request
/// context, so every grain call the request makes carries it (<see cref="CorrelationId.OfGrainCall"/>).
/// </summary>
internal sealed class CorrelationIdMiddleware(RequestDelegate next, ILogger<CorrelationIdMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var offered = http.Request.Headers[CorrelationId.HeaderName].ToString();
        var correlationId = CorrelationId.IsWellFormed(offered) ? offered : CorrelationId.New();
        CorrelationId.Set(http, correlationId);
        http.Response.Headers[CorrelationId.HeaderName] = correlationId;
        RequestContext.Set(CorrelationId.HeaderName, correlationId);

        using (logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = correlationId }))
        {
            await next(http);
        }
    }
}
