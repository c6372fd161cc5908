namespace EventSourced.Projections;

/// <summary>
/// The parameters of a query whose conditions are written in only when given, each numbered as it
/// is added: a prepared generic plan of "$1 IS NULL OR column = $1" cannot use the column's index.
/// </summary>
internal sealed class NumberedParameters(params object?[] first)
{
    private readonly List<object?> _values = [.. first];

    public object?[] Values => [.. _values];

    /// <summary>Adds the value and returns its placeholder ($n).</summary>
    public string Add(object value)
    {
        _values.Add(value);
        return $"${_values.Count}";
    }
}
