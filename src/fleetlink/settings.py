"""One typed settings object, read from FLEETLINK_* variables once, at start-up, and passed down."""

from datetime import timedelta
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can set. Defaults run on one machine with nothing installed."""

    model_config = SettingsConfigDict(env_prefix="FLEETLINK_", frozen=True, extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./fleetlink.db"
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8000
    demo: bool = False
    demo_seed: int = 2026
    demo_vehicles: Annotated[int, Field(ge=1, le=10_000)] = 25
    demo_simulate: bool = True
    geocode: bool = True
    demo_history_days: Annotated[float, Field(ge=0, le=366)] = 30.0
    # Seeded history: the vehicles live it in a second process while this one ingests,
    # when the machine has a second CPU for it.
    seed_worker: bool = True
    issuer: str = "fleetlink"
    token_ttl_seconds: Annotated[int, Field(ge=60)] = 3600
    command_timeout_seconds: Annotated[float, Field(gt=0)] = 60.0
    mqtt_url: str | None = None
    mqtt_listen: str = "127.0.0.1:1883"
    mqtt_client_id: str = "fleetlink-cloud"
    mqtt_shared_group: str | None = None
    message_retention_days: Annotated[float, Field(gt=0)] = 7.0
    # OAuth 2.0 for the High Mobility API.
    oauth_code_ttl_seconds: Annotated[int, Field(ge=10, le=600)] = 60
    refresh_token_ttl_days: Annotated[float, Field(gt=0)] = 30.0
    owner_session_ttl_seconds: Annotated[int, Field(ge=60)] = 1800
    # Fleet clearance: a known vehicle of a supported brand is approved on its own after
    # the delay (an OEM sandbox's behaviour); unset means on in demo mode, off otherwise.
    clearance_auto_approve: bool | None = None
    clearance_delay_seconds: Annotated[float, Field(ge=0)] = 10.0
    # Rate limits (token buckets), per API client and per vehicle; shared through Redis if set.
    redis_url: str | None = None
    rate_limit_client_per_minute: Annotated[int, Field(ge=1)] = 600
    rate_limit_client_burst: Annotated[int, Field(ge=1)] = 100
    rate_limit_vehicle_per_minute: Annotated[int, Field(ge=1)] = 120
    rate_limit_vehicle_burst: Annotated[int, Field(ge=1)] = 30
    # Lets several deployments (or test runs) share one Redis without sharing buckets.
    rate_limit_redis_prefix: str = "fleetlink:ratelimit:"
    log_level: str = "info"
    log_json: bool = False

    @field_validator("mqtt_listen")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        _, sep, port = value.rpartition(":")
        if not sep or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{value!r} is not host:port")
        return value

    @property
    def token_ttl(self) -> timedelta:
        """How long an access token lives."""
        return timedelta(seconds=self.token_ttl_seconds)

    @property
    def mqtt_listen_address(self) -> tuple[str, int]:
        """Host and port of the embedded broker."""
        host, _, port = self.mqtt_listen.rpartition(":")
        return host or "127.0.0.1", int(port)

    @property
    def message_retention(self) -> timedelta:
        """How long raw vehicle messages are kept."""
        return timedelta(days=self.message_retention_days)

    @property
    def oauth_code_ttl(self) -> timedelta:
        """How long an authorization code may wait to be exchanged."""
        return timedelta(seconds=self.oauth_code_ttl_seconds)

    @property
    def refresh_token_ttl(self) -> timedelta:
        """How long an unused refresh token stays valid."""
        return timedelta(days=self.refresh_token_ttl_days)

    @property
    def owner_session_ttl(self) -> timedelta:
        """How long an owner stays signed in to the consent pages."""
        return timedelta(seconds=self.owner_session_ttl_seconds)

    @property
    def clearance_auto_approves(self) -> bool:
        """Whether clearances of known, supported vehicles approve themselves."""
        return self.demo if self.clearance_auto_approve is None else self.clearance_auto_approve

    @property
    def clearance_delay(self) -> timedelta:
        """How long a clearance stays pending before the sandbox settles it."""
        return timedelta(seconds=self.clearance_delay_seconds)

    @property
    def command_timeout(self) -> timedelta:
        """How long a command may go unanswered before it expires."""
        return timedelta(seconds=self.command_timeout_seconds)
