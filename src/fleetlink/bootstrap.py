"""The one place that wires engines, keys and services from settings."""

from dataclasses import dataclass

from fleetlink.auth.keys import ensure_signing_key
from fleetlink.auth.tokens import TokenService
from fleetlink.services.context import ServiceContext, utc_now
from fleetlink.settings import Settings
from fleetlink.storage.database import create_engine
from fleetlink.storage.migrate import upgrade
from fleetlink.storage.uow import Store
from fleetlink.telematics.link import BrokerAddress, TelematicsLink


@dataclass(frozen=True, slots=True)
class Container:
    """Everything a transport (the ASGI app, the CLI, a test) needs, built from settings."""

    settings: Settings
    store: Store
    tokens: TokenService
    services: ServiceContext
    telematics: TelematicsLink | None = None

    async def start(self) -> None:
        """Bring the schema up to date and make sure a signing key exists."""
        await upgrade(self.store.engine)
        await ensure_signing_key(self.store, self.services.clock())

    async def close(self) -> None:
        """Release pooled connections."""
        await self.store.dispose()


def build(settings: Settings) -> Container:
    """Wire a container from settings; nothing connects until start()."""
    store = Store(create_engine(settings.database_url))
    services = ServiceContext(store=store, command_timeout=settings.command_timeout, clock=utc_now)
    link = None
    if settings.mqtt_url:
        link = TelematicsLink(
            services, BrokerAddress.parse(settings.mqtt_url), client_id=settings.mqtt_client_id
        )
        services.dispatchers.append(link)
    return Container(
        settings=settings,
        store=store,
        tokens=TokenService(store, settings.issuer),
        services=services,
        telematics=link,
    )
