using NATS.Client.Services;

namespace Storage.Host.Nats;

/// <summary>One tier's NATS endpoints; each tier has one implementation in <c>Endpoints/</c>.</summary>
internal interface IEndpointGroup
{
    Task MapAsync(INatsSvcServer service, RequestDispatcher dispatcher, CancellationToken cancellationToken);
}
