"""The cloud's MQTT session: ingest uplink in durable batches, publish commands to vehicles.

Acknowledgements are manual: a QoS 1 message is acknowledged only after the batch that
holds it is committed, and the session is persistent, so a crash before the commit means
the broker delivers the message again. Ingestion is idempotent, so that is harmless.
"""

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote, urlsplit

import aiomqtt
import structlog
from paho.mqtt.reasoncodes import ReasonCode

from fleetlink.domain.commands import Command, CommandStatus
from fleetlink.domain.deadletters import DeadLetter
from fleetlink.domain.text import scrubbed
from fleetlink.services.commands import commands_owed, mark_sent, open_commands
from fleetlink.services.context import ServiceContext
from fleetlink.services.dead_letters import set_aside
from fleetlink.telematics import metrics
from fleetlink.telematics.encoding import encode_command
from fleetlink.telematics.intake import Incoming, Intake, Taken
from fleetlink.telematics.liveness import watch_liveness
from fleetlink.telematics.payload import DEFAULT_WINDOW, MAX_PAYLOAD_BYTES, TimeWindow
from fleetlink.telematics.topics import Channel, parse_topic, topic, uplink_filters

log = structlog.get_logger(__name__)
RECONNECT_DELAY_S = 1.0
SUBACK_FAILURE = 0x80
_LIGHT_LOAD = 50
# Before a batch leaves, how long a pause in arriving messages ends the wait for more.
TAKE_IN_S = 0.002
MAX_RECONNECT_DELAY_S = 30.0
# A publish waits for the broker's PUBACK; a frozen broker must not hold a command for long.
PUBLISH_TIMEOUT_S = 10.0
PUBLISHING_AT_ONCE = 16
# Dead letters kept per vehicle and batch; the rest of a flood is counted, not kept.
LETTERS_PER_VEHICLE = 5


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """Where the broker is and how to sign in."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> "BrokerAddress":
        """Read mqtt://user:pass@host:port."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
            raise ValueError(f"{url!r} is not an mqtt://host:port URL")
        user, password = parts.username, parts.password
        return cls(
            parts.hostname,
            parts.port or 1883,
            unquote(user) if user is not None else None,
            unquote(password) if password is not None else None,
        )


@dataclass(frozen=True, slots=True)
class _Received:
    topic: str
    payload: bytes
    mid: int
    qos: int


def _refused(granted: int | ReasonCode) -> bool:
    """Whether a SUBACK entry refuses its filter (0x80 in MQTT 3.1.1, a failure code in 5)."""
    return granted >= SUBACK_FAILURE if isinstance(granted, int) else granted.is_failure


class TelematicsLink:
    """One persistent MQTT session: a reader, a batching writer, and the command publisher."""

    def __init__(
        self,
        ctx: ServiceContext,
        broker: BrokerAddress,
        *,
        client_id: str,
        batch_size: int = 500,
        batch_window_s: float = 0.05,
        shared_group: str | None = None,
        window: TimeWindow = DEFAULT_WINDOW,
        ingest: bool = True,
    ) -> None:
        self._ctx = ctx
        self._intake = Intake(ctx, window)
        self.broker = broker
        self._client_id = client_id
        self._batch_size = batch_size
        self._window = batch_window_s
        # Several servers on one broker share the uplink through an MQTT shared
        # subscription: each message goes to one of them, each keeps its own session.
        self._filters = [
            f"$share/{shared_group}/{pattern}" if shared_group else pattern
            for pattern in uplink_filters()
        ]
        # A process that only publishes (an HTTP worker of `fleetlink serve --workers`)
        # subscribes to nothing and keeps no session: the ingesting process reads the
        # uplink, and re-sends what is owed when a vehicle comes back.
        self.ingests = ingest
        self._client: aiomqtt.Client | None = None
        self.connected = asyncio.Event()
        # Publishes under way by command id, so the API never waits on the broker; bounded,
        # so a reconnect that owes every vehicle its commands does not drain the store's pool.
        self._publishing: dict[str, asyncio.Task[None]] = {}
        self._publish_slots = asyncio.Semaphore(PUBLISHING_AT_ONCE)

    async def run(self) -> None:
        """Stay connected until cancelled, reconnecting with backoff."""
        try:
            await self._stay_connected()
        finally:
            # Publishes left would write to a store that may be closing; the commands are
            # safe in it, and go out on their vehicles' next online.
            for task in list(self._publishing.values()):
                task.cancel()
            await asyncio.gather(*self._publishing.values(), return_exceptions=True)

    async def _stay_connected(self) -> None:
        delay = RECONNECT_DELAY_S
        while True:
            try:
                await self._session()
            # The session's reader, writer and subscription run in a task group, so a lost
            # broker arrives wrapped in an ExceptionGroup.
            except* aiomqtt.MqttError as lost:
                errors = "; ".join(str(e) for e in lost.exceptions)
                log.warning("mqtt.disconnected", error=errors, retry_in_s=delay)
            finally:
                if self.connected.is_set():
                    delay = RECONNECT_DELAY_S  # it worked for a while: start the backoff over
                self._client = None
                self.connected.clear()
                metrics.CONNECTED.set(0)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RECONNECT_DELAY_S)

    async def _session(self) -> None:
        client = aiomqtt.Client(
            self.broker.host,
            self.broker.port,
            username=self.broker.username,
            password=self.broker.password,
            identifier=self._client_id,
            clean_session=not self.ingests,
        )
        # aiomqtt has no manual-ack option yet; paho's is the documented way. Set before
        # connecting: a persistent session may deliver queued messages at once.
        client._client.manual_ack_set(True)
        async with client:
            queue: asyncio.Queue[_Received] = asyncio.Queue()
            async with asyncio.TaskGroup() as group:
                # A session taken over or a frozen broker says nothing: probe it ourselves.
                group.create_task(watch_liveness(client, self._client_id))
                if self.ingests:
                    await self._subscribe(client, queue, group)
                self._client = client
                self.connected.set()
                metrics.CONNECTED.set(1)
                log.info(
                    "mqtt.connected",
                    host=self.broker.host,
                    port=self.broker.port,
                    ingests=self.ingests,
                )
                if self.ingests:
                    await self._redispatch()

    async def _subscribe(
        self,
        client: aiomqtt.Client,
        queue: "asyncio.Queue[_Received]",
        group: asyncio.TaskGroup,
    ) -> None:
        # Read and acknowledge before subscribing: a broker may deliver (retained and
        # queued messages) while it subscribes, and wait for their PUBACKs before it
        # answers; amqtt gives up on them after 5 s.
        group.create_task(self._read(client, queue))
        group.create_task(self._write(client, queue))
        granted: Sequence[int | ReasonCode] = await client.subscribe(
            [(pattern, 1) for pattern in self._filters]
        )
        refused = [p for p, g in zip(self._filters, granted, strict=True) if _refused(g)]
        if refused:
            # Connected to nothing is worse than not connected: say so, and retry.
            raise aiomqtt.MqttError(f"the broker refused {', '.join(refused)}")

    async def _read(self, client: aiomqtt.Client, queue: "asyncio.Queue[_Received]") -> None:
        async for message in client.messages:
            payload = message.payload
            raw = payload if isinstance(payload, bytes) else str(payload).encode()
            await queue.put(_Received(message.topic.value, raw, message.mid, message.qos))

    async def _write(self, client: aiomqtt.Client, queue: "asyncio.Queue[_Received]") -> None:
        while True:
            batch = [await queue.get()]
            # One window from the batch's first message: taking in what is on its way and
            # waiting for more under light load share it, so no batch waits longer.
            deadline = asyncio.get_running_loop().time() + self._window
            await self._take_in(queue, self._batch_size - 1, deadline)
            while len(batch) < self._batch_size and not queue.empty():
                batch.append(queue.get_nowait())
            # Wait for more only when traffic is light; under load the queue refills
            # while a batch is being stored, and waiting would only add idle time.
            while len(batch) < min(self._batch_size, _LIGHT_LOAD):
                timeout = deadline - asyncio.get_running_loop().time()
                if timeout <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(queue.get(), timeout))
                except TimeoutError:
                    break
            await self._store(batch)
            for received in batch:
                if received.qos > 0:
                    client._client.ack(received.mid, received.qos)

    @staticmethod
    async def _take_in(queue: "asyncio.Queue[_Received]", room: int, deadline: float) -> None:
        """Let the messages on their way arrive before a batch leaves: up to room, until
        deadline (the loop's time).

        Under load the broker sends the next messages as the last batch's acknowledgements
        reach it, and the reader takes them in one packet per turn of the loop, none while
        a batch is stored on the loop's own thread (SQLite). A batch that left at once
        would hold the first few; it costs much the same for a vehicle's one message as for
        its ten. So it waits while messages keep coming, TAKE_IN_S at a time, and no longer
        than the light-load window, so that a steady trickle cannot hold a batch back.
        """
        loop = asyncio.get_running_loop()
        while queue.qsize() < room and loop.time() < deadline:
            before = queue.qsize()
            await asyncio.sleep(TAKE_IN_S)
            if queue.qsize() == before:
                break

    async def _store(self, batch: Sequence[_Received]) -> None:
        """Store until it works: an unacknowledged message is worth waiting for.

        Only an unreachable store is waited for; a message that cannot be stored for what
        it holds is set aside as a dead letter, and the rest of the batch goes on.
        """
        now = self._ctx.clock()
        incoming = []
        for received in batch:
            parsed = parse_topic(received.topic)
            metrics.RECEIVED.labels(parsed.channel.value if parsed else "unknown").inc()
            incoming.append(Incoming(received.topic, received.payload, now))
        delay = RECONNECT_DELAY_S
        while True:
            try:
                with metrics.BATCH_SECONDS.time():
                    taken = await self._intake.take(incoming)
                    letters, skipped = _dead_letters(incoming, taken, self._ctx.clock())
                    await set_aside(self._ctx, letters)
                break
            except Exception as exc:
                log.warning(
                    "ingest.failed", messages=len(incoming), error=str(exc), retry_in_s=delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RECONNECT_DELAY_S)
        result = taken.result
        for letter in letters:
            metrics.DEAD_LETTERS.labels(letter.reason).inc()
        if skipped:
            metrics.DEAD_LETTERS_SKIPPED.inc(skipped)
            log.warning("mqtt.dead_letters_skipped", messages=skipped)
        metrics.DUPLICATES.inc(result.duplicates)
        if result.unknown_vehicle:
            metrics.DROPPED.labels("unknown_vehicle").inc(result.unknown_vehicle)
        if result.online:
            await self._deliver_owed(result.online)

    async def _deliver_owed(self, vins: Sequence[str]) -> None:
        """A vehicle back online gets every command it has not answered, sent or not."""
        try:
            owed = await commands_owed(self._ctx, vins)
        except Exception as exc:
            # They stay in the store; the vehicle's next online message asks again.
            log.warning("command.redelivery_failed", vehicles=len(vins), error=str(exc))
            return
        for command in owed:
            self._start_publish(command)

    async def dispatch(self, command: Command) -> None:
        """Start publishing a stored command to its vehicle; return at once."""
        self._start_publish(command)

    def _start_publish(self, command: Command) -> None:
        if command.id in self._publishing:
            return  # already on its way (a reconnect and an online message ask together)
        task = asyncio.create_task(self._publish(command), name=f"publish-{command.id}")
        self._publishing[command.id] = task
        task.add_done_callback(lambda _: self._publishing.pop(command.id, None))

    async def _publish(self, command: Command) -> None:
        client = self._client
        if client is None:
            # Not connected: it stays in the store and goes out when the vehicle says online.
            log.info("command.deferred", vin=command.vin, command_id=command.id)
            return
        async with self._publish_slots:
            await self._publish_with(client, command)

    async def _publish_with(self, client: aiomqtt.Client, command: Command) -> None:
        try:
            await client.publish(
                topic(command.vin, Channel.COMMANDS),
                encode_command(command, self._ctx.clock()),
                qos=1,
                timeout=PUBLISH_TIMEOUT_S,
            )
            metrics.COMMANDS_PUBLISHED.labels(command.kind.value).inc()
            if command.status is CommandStatus.PENDING:
                await mark_sent(self._ctx, command)
        except Exception as exc:
            log.warning(
                "command.publish_failed", vin=command.vin, command_id=command.id, error=str(exc)
            )
            return
        log.info("command.sent", vin=command.vin, command_id=command.id, command=command.kind)

    async def _redispatch(self) -> None:
        """Commands stored while the session was down, to vehicles last seen reachable.

        A vehicle whose connection dropped meanwhile gets its commands when it says online.
        """
        try:
            pending = await open_commands(self._ctx)
        except Exception as exc:
            log.warning("command.redispatch_failed", error=str(exc))
            return
        for command in pending:
            self._start_publish(command)


def _dead_letters(
    incoming: Sequence[Incoming], taken: Taken, now: datetime
) -> tuple[list[DeadLetter], int]:
    """The letters of a batch's refused messages, a few per vehicle, and how many were not.

    A unit that floods bad messages should fill neither the table nor the batch's commit:
    past LETTERS_PER_VEHICLE in one batch, its messages are only counted (and logged).
    """
    letters = []
    skipped = 0
    kept: dict[str, int] = {}
    for refused in taken.refused:
        message = incoming[refused.index]
        parsed = parse_topic(message.topic)
        sender = parsed.vin if parsed else message.topic
        kept[sender] = kept.get(sender, 0) + 1
        if kept[sender] > LETTERS_PER_VEHICLE:
            skipped += 1
            continue
        letters.append(
            DeadLetter(
                str(uuid.uuid4()),
                scrubbed(message.topic, 255),
                scrubbed(parsed.vin, 17) if parsed else None,
                refused.reason[:64],
                refused.error,
                message.payload[:MAX_PAYLOAD_BYTES],
                message.received_at,
                now,
            )
        )
    return letters, skipped
