using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Registration.ServiceDefaults.Http;

/// <summary>Accepts or makes the correlation id, echoes it, and puts it in the scope of every log line.</summary>
internal sealed class CorrelationIdMiddleware(RequestDelegate next, ILogger<CorrelationIdMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var offered = http.Request.Headers[CorrelationId.HeaderName].ToString();
        var correlationId = CorrelationId.IsWellFormed(offered) ? offered : CorrelationId.New();
        CorrelationId.Set(http, correlationId);
        http.Response.Headers[CorrelationId.HeaderName] = correlationId;

        using (logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = correlationId }))
        {
            await next(http);
        }
    }
}
