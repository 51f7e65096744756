"""The embedded MQTT broker (amqtt): vehicles sign in with their VIN and touch only their topics."""

import errno
import socket
from dataclasses import dataclass
from typing import Any

import structlog
from amqtt.broker import Broker
from amqtt.contexts import Action, BaseContext
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.session import Session

from fleetlink.domain.vin import is_valid_vin
from fleetlink.telematics.credentials import CLOUD_USERNAME, verify
from fleetlink.telematics.topics import UPLINK, Channel, parse_topic

log = structlog.get_logger(__name__)


class BrokerPortTaken(RuntimeError):
    """The embedded broker's port is in use."""


class VehicleAuthPlugin(BaseAuthPlugin):
    """Accept the cloud and vehicles whose password matches their VIN; nobody anonymous."""

    @dataclass
    class Config:
        key_hex: str = ""

    def __init__(self, context: BaseContext) -> None:
        super().__init__(context)
        self._key = bytes.fromhex(self._get_config_option("key_hex", ""))

    async def authenticate(self, *, session: Session) -> bool | None:
        username, password = session.username, session.password
        if not username or not password or not self._key:
            return False
        if username != CLOUD_USERNAME and not is_valid_vin(username):
            return False
        accepted = verify(self._key, username, str(password))
        if not accepted:
            log.warning("mqtt.auth_refused", username=username)
        return accepted


def allowed(username: str | None, topic: str, action: Action) -> bool:
    """Whether username may publish or subscribe to topic."""
    if username == CLOUD_USERNAME:
        return True
    parsed = parse_topic(topic)
    if username is None or parsed is None or parsed.vin != username:
        return False
    if action is Action.PUBLISH:
        return parsed.channel in UPLINK
    return parsed.channel is Channel.COMMANDS


class VehicleTopicPlugin(BaseTopicPlugin):
    """A vehicle publishes its uplink and subscribes to its commands, under its own VIN only."""

    @dataclass
    class Config:
        pass

    async def topic_filtering(
        self,
        *,
        session: Session | None = None,
        topic: str | None = None,
        action: Action | None = None,
    ) -> bool | None:
        if topic is None or action is None:
            return False
        return allowed(session.username if session else None, topic, action)


def _check_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise BrokerPortTaken(
                    f"the embedded MQTT broker cannot listen on {host}:{port} "
                    f"({exc.strerror}). Move it with FLEETLINK_MQTT_LISTEN=127.0.0.1:<port>, "
                    "or use the broker already there with FLEETLINK_MQTT_URL=mqtt://host:port."
                ) from exc
            raise


class _SnapshotItems(dict[str, Any]):
    """A dict whose items() is a snapshot.

    amqtt's broadcast loop iterates the subscription table and awaits inside the loop;
    a client subscribing at that moment makes it fail with "dictionary changed size
    during iteration", and the message being broadcast is lost. Iterating a snapshot
    closes that window.
    """

    def items(self) -> Any:
        return list(super().items())


class EmbeddedBroker:
    """An amqtt broker in this process, on host:port."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        # Set by the container once the store's secret is known.
        self.key = b""
        self._broker: Broker | None = None

    @property
    def running(self) -> bool:
        """Whether the broker listens."""
        return self._broker is not None

    async def start(self) -> None:
        """Listen, or raise BrokerPortTaken naming both fixes."""
        if not self.key:
            raise RuntimeError("the broker's credential key is set by Container.start()")
        _check_free(self.host, self.port)
        config: dict[str, Any] = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {
                f"{__name__}.VehicleAuthPlugin": {"key_hex": self.key.hex()},
                f"{__name__}.VehicleTopicPlugin": {},
            },
        }
        self._broker = Broker(config)
        self._broker._subscriptions = _SnapshotItems()
        await self._broker.start()
        log.info("mqtt.embedded_broker_started", host=self.host, port=self.port)

    async def stop(self) -> None:
        """Close every session and the listener."""
        if self._broker is not None:
            await self._broker.shutdown()
            self._broker = None
