"""The embedded MQTT broker (amqtt): vehicles sign in with their VIN and touch only their topics.

Who may sign in is the DeviceGate's to say (fleetlink.telematics.device_gate).
"""

import asyncio
import errno
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from amqtt.broker import Broker
from amqtt.contexts import Action
from amqtt.errors import MQTTError
from amqtt.mqtt.connack import ConnackPacket
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.plugins.base import BaseTopicPlugin
from amqtt.session import Session
from amqtt.utils import gen_client_id

from fleetlink.telematics.credentials import CLOUD_USERNAME
from fleetlink.telematics.device_gate import DeviceGate
from fleetlink.telematics.topics import UPLINK, Channel, parse_topic, topic

log = structlog.get_logger(__name__)
NOT_AUTHORIZED = 0x05  # the CONNACK return code, MQTT 3.1.1 § 3.2.2.3


class BrokerPortTaken(RuntimeError):
    """The embedded broker's port is in use."""


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


def may_use_client_id(username: str | None, client_id: str | None) -> bool:
    """Whether username may connect as client_id: a vehicle only as its VIN, the cloud as any."""
    if username == CLOUD_USERNAME:
        return True
    return username is not None and client_id == username


def may_leave_will(username: str | None, will_topic: str | None) -> bool:
    """Whether username may leave a last will on will_topic: a vehicle, only its connection."""
    if username == CLOUD_USERNAME:
        return True
    return username is not None and will_topic == topic(username, Channel.CONNECTION)


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


class _IsolatingBroker(Broker):
    """amqtt's Broker, with its two leaks between clients closed (see docs/telematics.md).

    The overrides copy amqtt 0.12's code where they must; the tests in
    tests/telematics/test_broker_isolation.py say whether a newer amqtt still needs them.
    Sign-ins are the gate's to decide, not an auth plugin's, so that the gate can also
    close a session whose credential is revoked.
    """

    def __init__(self, config: dict[str, Any], gate: DeviceGate) -> None:
        super().__init__(config)
        self._gate = gate

    async def _authenticate(self, session: Session, _: Any) -> bool:
        password = None if session.password is None else str(session.password)
        return await self._gate.admit(session.username, password)

    async def close_unless(self, client_id: str, admits: Callable[[str | None], bool]) -> None:
        """Close client_id's connection unless admits(the password it signed in with)."""
        held = self._sessions.get(client_id)
        if held is None or not held[0].transitions.is_connected():
            return
        password = held[0].password
        if admits(None if password is None else str(password)):
            return
        log.warning("mqtt.session_closed", vin=client_id, reason="credential changed")
        await self._close(client_id)

    async def stream_connected(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, listener_name: str
    ) -> None:
        try:
            await super().stream_connected(reader, writer, listener_name)
        finally:
            # amqtt leaves the socket open when a handshake fails (refused, cut short, or
            # the broker stopping meanwhile); the session is over here in every case.
            writer.close()

    async def _initialize_client_session(
        self, reader: Any, writer: Any, remote_address: str, remote_port: int
    ) -> tuple[Any, Session]:
        # amqtt reads the CONNECT here and at once discards the stored session of its
        # client id (clean session) or overwrites its username and will (persistent); only
        # later, in _handle_client_session, does it check the password. So anyone, even with
        # a wrong password, could wipe the cloud's subscriptions by connecting under its
        # client id, and the cloud stayed connected, answered pings, and heard nothing.
        # Here who connects is checked first, and a client id is bound to who signed in.
        try:
            handler, session = await BrokerProtocolHandler.init_from_connect(
                reader, writer, self.plugins_manager
            )
        except MQTTError:
            await writer.close()
            raise
        refusal = await self._refusal(session)
        if refusal is not None:
            await ConnackPacket.build(0, refusal).to_stream(writer)
            await writer.close()
            raise MQTTError(f"refused {session.username!r} as client {session.client_id!r}")
        client_id = session.client_id
        if session.clean_session:
            if client_id:
                await self._end_connection(client_id)
                await self._delete_session(client_id)
            else:
                session.client_id = gen_client_id()
            session.parent = 0
        elif client_id in self._sessions:
            # The same client (the id is bound to its username) resumes its session with
            # this connection's will and credentials; amqtt takes the old connection over.
            stored: Session = self._sessions[client_id][0]
            for name in ("will_flag", "will_message", "will_topic", "will_qos", "will_retain"):
                setattr(stored, name, getattr(session, name))
            stored.keep_alive, stored.username = session.keep_alive, session.username
            stored.password = session.password
            session = stored
            session.parent = 1
        else:
            session.parent = 0
        delay = self.config.get("timeout-disconnect-delay", 0)
        if session.keep_alive > 0 and isinstance(delay, int):
            session.keep_alive += delay
        return handler, session

    async def _refusal(self, session: Session) -> int | None:
        """The CONNACK code that refuses session's CONNECT, or None to accept it."""
        if not await self._authenticate(session, None):
            return NOT_AUTHORIZED
        if not may_use_client_id(session.username, session.client_id):
            log.warning(
                "mqtt.client_id_refused", username=session.username, client_id=session.client_id
            )
            # Not "identifier rejected" (2): paho answers that, for an empty client id, by
            # retrying under a random one, and its user sees a time-out instead of a refusal.
            return NOT_AUTHORIZED
        if session.will_flag and not may_leave_will(session.username, session.will_topic):
            # amqtt publishes (and retains) a will without asking the topic plugins: a will
            # on another car's commands topic would be a forged command, kept for ever.
            log.warning(
                "mqtt.will_refused", username=session.username, will_topic=session.will_topic
            )
            return NOT_AUTHORIZED
        return None

    async def _end_connection(self, client_id: str) -> None:
        """Close the connection that holds client_id, as MQTT requires [MQTT-3.1.4-2].

        amqtt does it for a persistent session but not for a clean one, whose old holder
        kept a socket and lost its subscriptions: connected, and deaf.
        """
        held = self._sessions.get(client_id)
        if held is not None and held[0].transitions.is_connected():
            log.warning("mqtt.session_taken_over", client_id=client_id)
            await self._close(client_id)

    async def _close(self, client_id: str) -> None:
        """End client_id's connection as if it had dropped (its will is published)."""
        handler = self._sessions[client_id][1]
        await handler.handle_connection_closed()
        await handler.stop()

    async def _publish_retained_messages_for_subscription(
        self, subscription: tuple[str, int], session: Session
    ) -> None:
        # amqtt calls this on SUBACK, for the filter just granted, and also when any session
        # connects, for every filter in the broker, whoever holds it; and it sends whatever
        # retained message matches, asking no topic plugin. So a car that subscribed to
        # nothing received every car's retained connection state through the cloud's
        # fleetlink/v1/+/connection. Send only through a filter this session holds, and only
        # what it may receive.
        topic_filter, qos = subscription
        holders = self._subscriptions.get(topic_filter, ())
        if not any(held.client_id == session.client_id for held, _ in holders):
            return
        handler = self._get_handler(session)
        if handler is None:
            return
        sends = []
        for name, retained in list(self._retained_messages.items()):
            if self._matches(name, topic_filter) and await self._topic_filtering(
                session, topic=name, action=Action.RECEIVE
            ):
                retained_qos = min(qos, retained.qos or qos)
                sends.append(
                    asyncio.ensure_future(
                        handler.mqtt_publish(name, retained.data, retained_qos, retain=True)
                    )
                )
        if sends:
            await asyncio.wait(sends)


class EmbeddedBroker:
    """An amqtt broker in this process, on host:port, admitting whom gate admits."""

    def __init__(self, host: str, port: int, gate: DeviceGate) -> None:
        self.host = host
        self.port = port
        self.gate = gate
        self._broker: _IsolatingBroker | None = None

    @property
    def running(self) -> bool:
        """Whether the broker listens."""
        return self._broker is not None

    async def start(self) -> None:
        """Listen, or raise BrokerPortTaken naming both fixes."""
        if not self.gate.key:
            raise RuntimeError("the broker's credential key is set by Container.start()")
        _check_free(self.host, self.port)
        config: dict[str, Any] = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {f"{__name__}.VehicleTopicPlugin": {}},
        }
        self._broker = _IsolatingBroker(config, self.gate)
        self._broker._subscriptions = _SnapshotItems()
        await self._broker.start()
        self.gate.sessions = self._broker
        log.info("mqtt.embedded_broker_started", host=self.host, port=self.port)

    async def stop(self) -> None:
        """Close every session and the listener."""
        if self._broker is not None:
            self.gate.sessions = None
            await self._broker.shutdown()
            self._broker = None
