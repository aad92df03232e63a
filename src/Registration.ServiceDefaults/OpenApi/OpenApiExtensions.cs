using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;
using Registration.ServiceDefaults.Http;

namespace Registration.ServiceDefaults.OpenApi;

/// <summary>
/// The OpenAPI document of a service at /openapi/v1.json, with the bearer and admin-key security schemes;
/// Swagger UI at /swagger in Development or when OpenApi:SwaggerUi is true.
/// </summary>
public static class OpenApiExtensions
{
    private const string Bearer = "Bearer";
    private const string AdminKey = "AdminKey";

    public static IHostApplicationBuilder AddOpenApiDocument(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "The access token from POST /api/v1/auth/login.",
                };
                document.Components.SecuritySchemes[AdminKey] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = AdminOptions.HeaderName,
                    Description = "The admin credential (Admin:ApiKey).",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                var scheme = context.Description.RelativePath?.StartsWith("api/v1/admin", StringComparison.Ordinal) == true ? AdminKey
                    : metadata.OfType<IAuthorizeData>().Any() ? Bearer
                    : null;
                if (scheme is not null)
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] });
                }

                return Task.CompletedTask;
            });
        });
        return builder;
    }

    public static WebApplication MapOpenApiDocument(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment() || app.Configuration.GetValue("OpenApi:SwaggerUi", false))
        {
            app.UseSwaggerUI(options =>
            {
                options.SwaggerEndpoint("/openapi/v1.json", app.Environment.ApplicationName);
                options.RoutePrefix = "swagger";
            });
        }

        return app;
    }
}
