namespace EventSourced.Cli;

/// <summary>Contacts or groups as a user names them on the command line.</summary>
internal static class IdsOrNames
{
    /// <summary>An id as `contacts list` and `groups list` show it; anything else is a name.</summary>
    public static (string[] Ids, string[] Names) Split(string[] given)
    {
        var ids = given.Where(g => Guid.TryParse(g, out _)).ToArray();
        return (ids, given.Except(ids).ToArray());
    }
}
