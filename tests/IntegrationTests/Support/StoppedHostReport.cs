namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// Turns a request to a host that has stopped (a background service failed and stopped it, or its
/// start failed) into a failure that says why: the errors the host logged. The bare failure is an
/// ObjectDisposedException that names no cause.
/// </summary>
public sealed class StoppedHostReport(CapturedLogs errors) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        catch (ObjectDisposedException e)
        {
            throw new InvalidOperationException($"The host had stopped. It logged these errors:\n{string.Join('\n', errors.Lines)}", e);
        }
    }
}
