using EventSourced.Application.Commands;
using EventSourced.Application.EventStore;
using EventSourced.Application.Privacy;
using Microsoft.Extensions.DependencyInjection;

namespace EventSourced.Infrastructure.Privacy;

public static class PersonalDataServiceCollectionExtensions
{
    /// <summary>
    /// Personal fields encrypted under subjects' keys (ADR 0025), whichever backend holds the
    /// events: the event store registered so far is wrapped. Call after the backend's registration.
    /// </summary>
    public static IServiceCollection AddPersonalDataProtection(this IServiceCollection services)
    {
        services.AddSingleton<PostgresSubjectKeyStore>();
        services.AddSingleton<ISubjectKeyStore>(sp => sp.GetRequiredService<PostgresSubjectKeyStore>());
        services.AddSingleton(sp =>
        {
            var ring = new SubjectKeyRing(sp.GetRequiredService<ISubjectKeyStore>());
            // States folded before a key was destroyed still hold its subject's data in clear.
            var states = sp.GetService<FoldedStates>();
            if (states is not null)
            {
                ring.KeyDestroyed += states.Clear;
            }

            return ring;
        });
        var backend = services.Last(d => d.ServiceType == typeof(IEventStore));
        services.Remove(backend);
        services.AddSingleton<IEventStore>(sp => new ProtectedEventStore(
            backend.ImplementationFactory?.Invoke(sp) as IEventStore ?? throw new InvalidOperationException("The event store must be registered by a factory."),
            sp.GetRequiredService<SubjectKeyRing>()));
        services.AddSingleton<SubjectForgetting>();
        // Before anything reads a key: a node lacking a key-encryption key in use must not start.
        services.AddSingleton<KeyEncryptionKeys>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyEncryptionKeys>());
        services.AddHostedService<SubjectKeyNotifications>();
        services.AddHostedService<ForgottenKeysSweep>();
        return services;
    }
}
