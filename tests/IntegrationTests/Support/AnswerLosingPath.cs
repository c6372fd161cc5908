using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EventSourced.IntegrationTests.Support;

/// <summary>
/// A loopback port to a PostgreSQL server that loses one answer: the first request whose bytes
/// hold every marker reaches the server, which runs it to its end (a write commits), but its
/// answer never reaches the client, whose connection is then closed. What a client sees when the
/// server's host fails just after a commit, as in a failover: a write it cannot tell was stored.
/// Plain connections only (SSL Mode=Disable): the markers are looked for in the bytes.
/// </summary>
public sealed class AnswerLosingPath : IAsyncDisposable
{
    // A marker split across two reads is still found: each read is searched with the end of the one before.
    private const int Overlap = 256;
    private readonly TcpListener _listener;
    private readonly (string Host, int Port) _target;
    private readonly byte[][] _markers;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _accepting;
    private int _armed = 1;

    private AnswerLosingPath((string Host, int Port) target, string[] markers)
    {
        _target = target;
        _markers = [.. markers.Select(Encoding.UTF8.GetBytes)];
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Completes once the server ran the marked request and its answer was dropped.</summary>
    public Task AnswerLost => _lost.Task;

    public static AnswerLosingPath To((string Host, int Port) target, params string[] markers) => new(target, markers);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                connections.Add(ForwardAsync(await _listener.AcceptTcpClientAsync(_stop.Token)));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        await Task.WhenAll(connections);
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using var server = new TcpClient();
        using (client)
        {
            try
            {
                await server.ConnectAsync(_target.Host, _target.Port, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                return;
            }

            // The answers' direction ends too once the marked request's answer is lost.
            var withholding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await TcpForwarder.EndTogetherAsync(client, server, [RequestsAsync(client.GetStream(), server.GetStream(), withholding), AnswersAsync(server.GetStream(), client.GetStream(), withholding.Task)]);
        }
    }

    private async Task RequestsAsync(NetworkStream from, NetworkStream to, TaskCompletionSource withholding)
    {
        var buffer = new byte[16384];
        var kept = 0;
        while (await from.ReadAsync(buffer.AsMemory(kept), _stop.Token) is var read and > 0)
        {
            var seen = buffer.AsMemory(0, kept + read);
            if (_markers.All(m => seen.Span.IndexOf(m) >= 0) && Interlocked.Exchange(ref _armed, 0) == 1)
            {
                withholding.TrySetResult();
            }

            await to.WriteAsync(seen[kept..], _stop.Token);
            kept = Math.Min(Overlap, seen.Length);
            seen[^kept..].CopyTo(buffer);
        }
    }

    /// <summary>
    /// Passes the server's answers on until the marked request went out; its answer is read to the
    /// end (ReadyForQuery, after the commit) and dropped, and then the connection ends.
    /// </summary>
    private async Task AnswersAsync(NetworkStream from, NetworkStream to, Task withholding)
    {
        var buffer = new byte[16384];
        var answer = new UntilReadyForQuery();
        while (await from.ReadAsync(buffer, _stop.Token) is var read and > 0)
        {
            if (!withholding.IsCompleted)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
            else if (answer.Ends(buffer.AsSpan(0, read)))
            {
                _lost.TrySetResult();
                return;
            }
        }
    }

    /// <summary>Counts through a server's messages (a type byte, a length that counts itself, the rest) to ReadyForQuery ('Z').</summary>
    private sealed class UntilReadyForQuery
    {
        private readonly byte[] _header = new byte[5];
        private int _headerRead;
        private long _bodyLeft;

        public bool Ends(ReadOnlySpan<byte> bytes)
        {
            while (!bytes.IsEmpty)
            {
                if (_bodyLeft > 0)
                {
                    var skipped = (int)Math.Min(_bodyLeft, bytes.Length);
                    _bodyLeft -= skipped;
                    bytes = bytes[skipped..];
                    continue;
                }

                var taken = Math.Min(_header.Length - _headerRead, bytes.Length);
                bytes[..taken].CopyTo(_header.AsSpan(_headerRead));
                _headerRead += taken;
                bytes = bytes[taken..];
                if (_headerRead == _header.Length)
                {
                    if (_header[0] == (byte)'Z')
                    {
                        return true;
                    }

                    _bodyLeft = BinaryPrimitives.ReadInt32BigEndian(_header.AsSpan(1)) - 4;
                    _headerRead = 0;
                }
            }

            return false;
        }
    }
}
