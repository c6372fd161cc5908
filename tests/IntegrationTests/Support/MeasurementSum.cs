using System.Diagnostics.Metrics;

namespace EventSourced.IntegrationTests.Support;

/// <summary>Sums what one instrument measures with one tag, from creation until disposed.</summary>
public sealed class MeasurementSum : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _sum;

    public MeasurementSum(string instrument, string tag, string value)
    {
        _listener.InstrumentPublished = (published, l) =>
        {
            if (published.Name == instrument)
            {
                l.EnableMeasurementEvents(published);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, measured, tags, _) =>
        {
            if (tags.ToArray().Contains(new KeyValuePair<string, object?>(tag, value)))
            {
                Interlocked.Add(ref _sum, measured);
            }
        });
        _listener.Start();
    }

    public long Value => Interlocked.Read(ref _sum);

    public void Dispose() => _listener.Dispose();
}
