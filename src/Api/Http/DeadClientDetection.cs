using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace EventSourced.Api.Http;

/// <summary>
/// TCP keepalive and TCP_USER_TIMEOUT on the node's listening sockets, which the connections it
/// accepts inherit (Linux). A client whose host vanished (a phone that left the network) is let go
/// once what the node sent it stays unacknowledged for the time-out, or once it answers no probe.
/// Left to the system, a live channel's heartbeats to it are retransmitted for about 15 minutes,
/// its store subscription polling all the while. Behind a reverse proxy the proxy is the client,
/// and its own time-outs decide.
/// </summary>
public static class DeadClientDetection
{
    private const int TcpUserTimeout = 18;

    /// <summary>Chat:LiveChannels:DeadClientTimeout, 60 s unless set; zero leaves the system's settings.</summary>
    public static IWebHostBuilder UseDeadClientDetection(this IWebHostBuilder builder, IConfiguration configuration)
    {
        var timeout = configuration.GetValue("Chat:LiveChannels:DeadClientTimeout", TimeSpan.FromSeconds(60));
        if (timeout <= TimeSpan.Zero || !OperatingSystem.IsLinux())
        {
            return builder;
        }

        return builder.UseSockets(o => o.CreateBoundListenSocket = endpoint =>
        {
            var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
            if (endpoint is IPEndPoint)
            {
                Probe(socket, timeout);
            }

            return socket;
        });
    }

    /// <summary>Probes after a third of the time-out idle, the last one due at the time-out, as on the database's side (ADR 0044).</summary>
    private static void Probe(Socket socket, TimeSpan timeout)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
        var idle = Math.Max(1, seconds / 3);
        var interval = Math.Max(1, seconds / 6);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, idle);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, interval);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, Math.Max(1, (seconds - idle) / interval));
        socket.SetRawSocketOption((int)ProtocolType.Tcp, TcpUserTimeout, BitConverter.GetBytes(seconds * 1000));
    }
}
