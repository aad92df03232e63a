using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Registration.ServiceDefaults.Http;

/// <summary>Guards admin endpoints with the configured admin key, compared in constant time.</summary>
public static class AdminKeyFilter
{
    public static RouteGroupBuilder MapAdminGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/api/v1/admin").AddEndpointFilter(async (context, next) =>
        {
            var options = context.HttpContext.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value;
            if (string.IsNullOrEmpty(options.ApiKey))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The admin API is disabled.", detail: "Set Admin:ApiKey to enable it.");
            }

            var offered = Encoding.UTF8.GetBytes(context.HttpContext.Request.Headers[AdminOptions.HeaderName].ToString());
            if (!CryptographicOperations.FixedTimeEquals(offered, Encoding.UTF8.GetBytes(options.ApiKey)))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: $"A valid {AdminOptions.HeaderName} header is required.");
            }

            return await next(context);
        });
}
