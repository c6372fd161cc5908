using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Google.Protobuf;

namespace EventSourced.Infrastructure.EventStoreDb;

/// <summary>
/// gRPC over HttpClient's HTTP/2 (Grpc.Net.Client is not available here): length-prefixed
/// protobuf frames in the body, the status in the grpc-status and grpc-message trailers (or in
/// the headers of a trailers-only answer), the deadline in grpc-timeout.
/// </summary>
public sealed class GrpcChannel(HttpClient http, Uri address, AuthenticationHeaderValue? authorization)
{
    private const int MaxMessageBytes = 16 * 1024 * 1024;

    /// <summary>A client-streaming call (Append): all request messages, then one response.</summary>
    public async Task<TResponse> ClientStreamingAsync<TResponse>(string method, IReadOnlyList<IMessage> requests, MessageParser<TResponse> parser, TimeSpan deadline, CancellationToken ct)
        where TResponse : IMessage<TResponse>
    {
        // Read to the end, so that the status in the trailers is checked too.
        TResponse? last = default;
        await foreach (var response in CallAsync(method, requests, parser, deadline, ct))
        {
            last = response;
        }

        return last ?? throw new EventStoreDbException(GrpcStatusCode.Internal, $"{method} ended without a response.");
    }

    /// <summary>A server-streaming call (Read, subscriptions): one request, the responses as they come.</summary>
    public IAsyncEnumerable<TResponse> ServerStreamingAsync<TResponse>(string method, IMessage request, MessageParser<TResponse> parser, TimeSpan? deadline, CancellationToken ct)
        where TResponse : IMessage<TResponse> =>
        CallAsync(method, [request], parser, deadline, ct);

    private async IAsyncEnumerable<TResponse> CallAsync<TResponse>(
        string method, IReadOnlyList<IMessage> requests, MessageParser<TResponse> parser, TimeSpan? deadline, [EnumeratorCancellation] CancellationToken ct)
        where TResponse : IMessage<TResponse>
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (deadline is { } d)
        {
            timeout.CancelAfter(d);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(Frames(requests)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        request.Headers.Authorization = authorization;
        if (deadline is { } limit)
        {
            request.Headers.Add("grpc-timeout", $"{Math.Max(1, (long)limit.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}m");
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new EventStoreDbException(GrpcStatusCode.DeadlineExceeded, $"{method} took longer than {deadline}.");
        }
        catch (HttpRequestException e)
        {
            throw new EventStoreDbException(GrpcStatusCode.Unavailable, $"{method}: {e.Message}");
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new EventStoreDbException(StatusOfHttp(response.StatusCode), $"{method} answered HTTP {(int)response.StatusCode}.");
            }

            // A trailers-only answer carries its status in the headers.
            ThrowIfError(method, response.Headers);
            var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            while (true)
            {
                byte[]? frame;
                try
                {
                    frame = await ReadFrameAsync(body, timeout.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new EventStoreDbException(GrpcStatusCode.DeadlineExceeded, $"{method} took longer than {deadline}.");
                }
                catch (HttpRequestException e) when (e.HttpRequestError != HttpRequestError.Unknown || e.InnerException is IOException)
                {
                    throw new EventStoreDbException(GrpcStatusCode.Unavailable, $"{method}: {e.Message}");
                }

                if (frame is null)
                {
                    break;
                }

                yield return parser.ParseFrom(frame);
            }

            ThrowIfError(method, response.TrailingHeaders);
            if (!response.TrailingHeaders.Contains("grpc-status") && !response.Headers.Contains("grpc-status"))
            {
                throw new EventStoreDbException(GrpcStatusCode.Internal, $"{method} ended without a grpc-status.");
            }
        }
    }

    private static byte[] Frames(IReadOnlyList<IMessage> messages)
    {
        var frames = new byte[messages.Sum(m => 5 + m.CalculateSize())];
        var at = 0;
        foreach (var message in messages)
        {
            var size = message.CalculateSize();
            frames[at] = 0; // not compressed
            BinaryPrimitives.WriteInt32BigEndian(frames.AsSpan(at + 1, 4), size);
            message.WriteTo(frames.AsSpan(at + 5, size));
            at += 5 + size;
        }

        return frames;
    }

    /// <summary>The next message, or null at the end of the body.</summary>
    private static async Task<byte[]?> ReadFrameAsync(Stream body, CancellationToken ct)
    {
        var header = new byte[5];
        var read = await body.ReadAtLeastAsync(header, 5, throwOnEndOfStream: false, ct);
        if (read == 0)
        {
            return null;
        }

        if (read < 5)
        {
            throw new EventStoreDbException(GrpcStatusCode.Internal, "The answer ended inside a frame header.");
        }

        if (header[0] != 0)
        {
            throw new EventStoreDbException(GrpcStatusCode.Internal, "The answer is compressed, which was not asked for.");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        if (length is < 0 or > MaxMessageBytes)
        {
            throw new EventStoreDbException(GrpcStatusCode.ResourceExhausted, $"A message of {length} bytes is over the {MaxMessageBytes} limit.");
        }

        var message = new byte[length];
        if (await body.ReadAtLeastAsync(message, length, throwOnEndOfStream: false, ct) < length)
        {
            throw new EventStoreDbException(GrpcStatusCode.Internal, "The answer ended inside a message.");
        }

        return message;
    }

    private static void ThrowIfError(string method, HttpHeaders headers)
    {
        if (!headers.TryGetValues("grpc-status", out var values) || !int.TryParse(values.First(), CultureInfo.InvariantCulture, out var code) || code == 0)
        {
            return;
        }

        var message = headers.TryGetValues("grpc-message", out var m) ? Uri.UnescapeDataString(m.First()) : "";
        var exception = headers.TryGetValues("exception", out var e) ? e.First() : null;
        throw new EventStoreDbException((GrpcStatusCode)code, $"{method}: {message}", exception);
    }

    // The gRPC spec's mapping for answers that are not gRPC at all (a proxy's error page, say).
    private static GrpcStatusCode StatusOfHttp(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => GrpcStatusCode.Internal,
        HttpStatusCode.Unauthorized => GrpcStatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => GrpcStatusCode.PermissionDenied,
        HttpStatusCode.NotFound => GrpcStatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };
}
