namespace Dashboard.Upstream;

/// <summary>
/// An action of the page passed on to a service's admin API, and its answer passed back as it is (200, or
/// problem+json 404/409/503...); 502 when no instance could be reached, 504 when the one reached did not answer in time.
/// </summary>
public static class AdminAction
{
    public static async Task<IResult> ForwardAsync(
        AdminApiClient admin, string service, IReadOnlyList<string> baseUrls, HttpMethod method, string path, string whatToCheck, CancellationToken cancellationToken)
    {
        Forwarded? answer;
        try
        {
            answer = await admin.SendAsync(baseUrls, method, path, cancellationToken);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status504GatewayTimeout,
                title: $"{service} did not answer in time.",
                detail: $"The action may or may not have been carried out; {whatToCheck}.");
        }

        return answer is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: $"No {service} instance could be reached.")
            : TypedResults.Text(answer.Body, answer.ContentType.ToString(), statusCode: answer.StatusCode);
    }
}
