using System.Net;
using System.Net.Sockets;
using EventSourced.Infrastructure.EventStore;
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
    /// <summary>TCP_USER_TIMEOUT in Linux's netinet/tcp.h, which .NET does not name.</summary>
    private const int TcpUserTimeout = 18;

    /// <summary>Chat:LiveChannels:DeadClientTimeout, 60 s unless set; zero leaves the system's settings.</summary>
    public static IWebHostBuilder UseDeadClientDetection(this IWebHostBuilder builder, IConfiguration configuration)
    {
        var timeout = configuration.GetValue("Chat:LiveChannels:DeadClientTimeout", TimeSpan.FromSeconds(60));
        if (KeepaliveProbes.For(timeout) is not { } probes || !OperatingSystem.IsLinux())
        {
            return builder;
        }

        return builder.UseSockets(o => o.CreateBoundListenSocket = endpoint =>
        {
            var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
            if (endpoint is IPEndPoint)
            {
                Probe(socket, probes);
            }

            return socket;
        });
    }

    /// <summary>As on the database's side (ADR 0044): probes once idle, and unacknowledged data for the time-out ends the connection.</summary>
    private static void Probe(Socket socket, KeepaliveProbes probes)
    {
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, probes.Idle);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, probes.Interval);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, probes.Count);
        socket.SetRawSocketOption((int)ProtocolType.Tcp, TcpUserTimeout, BitConverter.GetBytes(probes.Seconds * 1000));
    }
}
