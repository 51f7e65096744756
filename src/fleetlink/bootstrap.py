"""The one place that wires engines, keys, brokers and services from settings."""

import asyncio
from dataclasses import dataclass, field, replace
from datetime import timedelta

from fleetlink.geocoding import offline_geocoder
from fleetlink.ratelimit import BucketStore, Limiter, MemoryBucketStore, Rate, RedisBucketStore
from fleetlink.services.context import ClearancePolicy, ServiceContext, utc_now
from fleetlink.services.signing_keys import ensure_signing_key
from fleetlink.services.tokens import TokenService
from fleetlink.services.webhook_delivery import WebhookDelivery
from fleetlink.services.webhook_sender import HttpSender
from fleetlink.services.webhook_urls import WebhookPolicy
from fleetlink.settings import Settings
from fleetlink.storage.database import create_engine, create_read_engine, create_write_engine
from fleetlink.storage.migrate import upgrade
from fleetlink.storage.uow import Store
from fleetlink.telematics.broker import EmbeddedBroker
from fleetlink.telematics.credentials import CLOUD_USERNAME, credential_key, password_for
from fleetlink.telematics.device_gate import DeviceGate
from fleetlink.telematics.dynsec import DynamicSecurity
from fleetlink.telematics.link import BrokerAddress, TelematicsLink
from fleetlink.telematics.payload import TimeWindow


@dataclass(frozen=True, slots=True)
class Container:
    """Everything a transport (the ASGI app, the CLI, a test) needs, built from settings."""

    settings: Settings
    store: Store
    tokens: TokenService
    services: ServiceContext
    limiter: Limiter
    telematics: TelematicsLink | None = None
    broker: EmbeddedBroker | None = None
    # Whether this process does the deployment's chores (reading the uplink, the retention
    # sweep) or only serves HTTP beside a process that does (`fleetlink serve --workers`).
    primary: bool = True
    # Sends webhooks from the outbox; only a primary process has one.
    webhooks: WebhookDelivery | None = None
    sender: HttpSender | None = None
    # Set when the server begins to stop: long responses (the event stream) end on it, so
    # a graceful shutdown does not wait on them for ever.
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        """Bring the schema up to date, make sure a signing key exists, derive the cloud's
        broker password (vehicles have credentials of their own: services.devices)."""
        await upgrade(self.store.engine)
        key = await ensure_signing_key(self.store, self.services.clock())
        if self.broker is not None and self.telematics is not None:
            secret = credential_key(key.private_pem)
            self.broker.gate.key = secret
            self.telematics.broker = replace(
                self.telematics.broker,
                username=CLOUD_USERNAME,
                password=password_for(secret, CLOUD_USERNAME),
            )

    async def start_broker(self) -> None:
        """Start the embedded broker, if this server runs one (idempotent)."""
        if self.broker is not None and not self.broker.running:
            await self.broker.start()

    @property
    def vehicles_sign_in(self) -> bool:
        """Whether vehicles need a credential of their own to reach this deployment's broker."""
        return self.broker is not None or self.settings.mqtt_dynsec

    async def close(self) -> None:
        """Stop the embedded broker and release pooled connections."""
        if self.broker is not None:
            await self.broker.stop()
        await self.limiter.close()
        if self.sender is not None:
            await self.sender.close()
        await self.store.dispose()


def build_limiter(settings: Settings) -> Limiter:
    """Rate limits in Redis when FLEETLINK_REDIS_URL is set, else in this process's memory."""
    store: BucketStore = (
        RedisBucketStore.from_url(settings.redis_url) if settings.redis_url else MemoryBucketStore()
    )
    return Limiter(
        store,
        client=Rate(settings.rate_limit_client_per_minute, settings.rate_limit_client_burst),
        vehicle=Rate(settings.rate_limit_vehicle_per_minute, settings.rate_limit_vehicle_burst),
        prefix=settings.rate_limit_redis_prefix,
    )


def build(settings: Settings, *, primary: bool = True) -> Container:
    """Wire a container from settings; nothing connects until start().

    A container that is not primary serves requests only: its MQTT session publishes
    commands and reads nothing, and it runs no sweep.
    """
    url = settings.database_url
    store = Store(create_engine(url), create_read_engine(url), create_write_engine(url))
    services = ServiceContext(
        store=store,
        command_timeout=settings.command_timeout,
        clock=utc_now,
        geocoder=offline_geocoder() if settings.geocode else None,
        clearance=ClearancePolicy(
            auto_approve=settings.clearance_auto_approves, delay=settings.clearance_delay
        ),
        message_retention=settings.message_retention,
        dead_letter_retention=settings.dead_letter_retention,
        event_retention=settings.event_retention,
        password_link_ttl=settings.password_link_ttl,
        webhooks=WebhookPolicy(
            allow_http=settings.webhooks_allow_http,
            allow_private=settings.webhooks_allow_private_addresses,
            timeout=timedelta(seconds=settings.webhooks_timeout_seconds),
            per_endpoint=settings.webhooks_per_endpoint,
            retry_scale=settings.webhooks_retry_scale,
        ),
    )
    broker = None
    if settings.mqtt_url:
        address = BrokerAddress.parse(settings.mqtt_url)
        if settings.mqtt_dynsec:
            services.device_brokers.append(DynamicSecurity(address))
    else:
        host, port = settings.mqtt_listen_address
        gate = DeviceGate(
            services,
            ttl_s=settings.device_credential_cache_seconds,
            derived_passwords=settings.mqtt_derived_passwords,
        )
        services.device_brokers.append(gate)
        broker = EmbeddedBroker(host, port, gate)
        address = BrokerAddress(host, port)
    link = TelematicsLink(
        services,
        address,
        client_id=settings.mqtt_client_id,
        shared_group=settings.mqtt_shared_group,
        window=TimeWindow(settings.telemetry_future_tolerance, settings.telemetry_max_age),
        ingest=primary,
    )
    services.dispatchers.append(link)
    sender = HttpSender(services.webhooks) if primary else None
    return Container(
        settings=settings,
        store=store,
        tokens=TokenService(store, settings.issuer),
        services=services,
        limiter=build_limiter(settings),
        telematics=link,
        broker=broker,
        primary=primary,
        webhooks=WebhookDelivery(services, sender) if sender is not None else None,
        sender=sender,
    )
