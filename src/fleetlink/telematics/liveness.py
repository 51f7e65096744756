"""Notice a session that is connected but hears nothing, by sending itself a probe.

A socket that stays open tells nothing about the session behind it: a broker that froze
keeps the TCP connection until the keepalive runs out (90 s with aiomqtt's default), and a
broker that discards a session's subscriptions (amqtt did, for any client reusing the
cloud's client id) may never close it. A probe published to the session's own topic and
heard back within a time-out is the one proof that messages still flow to it.
"""

import asyncio
import hashlib
import re
import uuid
from typing import Any, NoReturn

import aiomqtt
from paho.mqtt.client import MQTTMessage
from paho.mqtt.reasoncodes import ReasonCode

# Outside fleetlink/v1/{vin}/…, so the broker's ACL gives it to the cloud and to no vehicle.
PROBE_PREFIX = "fleetlink/cloud/liveness"
PROBE_INTERVAL_S = 5.0
PROBE_TIMEOUT_S = 10.0
_TOPIC_SAFE = re.compile(r"[A-Za-z0-9._-]{1,64}")
_SUBACK_FAILURE = 0x80


def probe_topic(client_id: str) -> str:
    """The topic on which the session of client_id hears itself.

    One per client id: servers that share the uplink (each under its own id) never answer
    each other's probes, and a persistent session keeps one subscription across reconnects.
    """
    safe = _TOPIC_SAFE.fullmatch(client_id)
    name = client_id if safe else hashlib.sha256(client_id.encode()).hexdigest()[:32]
    return f"{PROBE_PREFIX}/{name}"


async def watch_liveness(
    client: aiomqtt.Client,
    client_id: str,
    *,
    interval_s: float = PROBE_INTERVAL_S,
    timeout_s: float = PROBE_TIMEOUT_S,
) -> NoReturn:
    """Probe client's session every interval_s; raise aiomqtt.MqttError when one is lost."""
    name = probe_topic(client_id)
    heard: asyncio.Queue[bytes] = asyncio.Queue()

    def arrived(_client: Any, _userdata: Any, message: MQTTMessage) -> None:
        heard.put_nowait(bytes(message.payload))

    # paho hands a topic with a callback of its own to that callback only, so probes never
    # reach client.messages, which the link reads as uplink.
    client._client.message_callback_add(name, arrived)
    try:
        # QoS 0 both ways: nothing to acknowledge by hand (the link acknowledges manually),
        # nothing queued for a session that is away, and a broker sends it at once rather
        # than behind the QoS 1 messages waiting for the link's acknowledgements.
        [granted] = await client.subscribe(name, qos=0)
        if _refused(granted):
            raise aiomqtt.MqttError(f"the broker refused the liveness probe's topic {name}")
        while True:
            nonce = uuid.uuid4().hex.encode()
            try:
                async with asyncio.timeout(timeout_s):
                    await client.publish(name, nonce, qos=0)
                    while await heard.get() != nonce:
                        pass  # a probe of an earlier round, come back late
            except TimeoutError:
                raise aiomqtt.MqttError(
                    f"the liveness probe on {name} did not come back within {timeout_s:g} s"
                ) from None
            await asyncio.sleep(interval_s)
    finally:
        client._client.message_callback_remove(name)


def _refused(granted: int | ReasonCode) -> bool:
    return granted >= _SUBACK_FAILURE if isinstance(granted, int) else granted.is_failure
