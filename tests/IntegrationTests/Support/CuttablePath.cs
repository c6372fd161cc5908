namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// A loopback port leading to a server that a test cuts (every connection dropped, new ones
/// refused) and restores on the same port: an outage of that server for whatever connects
/// through it alone.
/// </summary>
public sealed class CuttablePath : IAsyncDisposable
{
    private readonly (string Host, int Port) _target;
    private TcpForwarder _forwarder;

    private CuttablePath((string Host, int Port) target, int port)
    {
        _target = target;
        Port = port;
        _forwarder = TcpForwarder.Start(port, target.Host, target.Port);
    }

    public int Port { get; }

    public static CuttablePath To((string Host, int Port) target) => new(target, Loopback.FreePort());

    public ValueTask CutAsync() => _forwarder.DisposeAsync();

    public void Restore() => _forwarder = TcpForwarder.Start(Port, _target.Host, _target.Port);

    public ValueTask DisposeAsync() => _forwarder.DisposeAsync();
}
