"""Vehicles as clients of an external Mosquitto, through its dynamic-security plugin.

With FLEETLINK_MQTT_DYNSEC, each change of a vehicle's credential is sent as commands to
`$CONTROL/dynamic-security/v1`, signed in as the user of FLEETLINK_MQTT_URL: a client named
by the VIN with the vehicle's secret, and a role of its own allowing only its topics
(docs/telematics.md); a revocation disables the client, which Mosquitto also disconnects.
Mosquitto keeps one password per client, so there a rotation takes effect at once: setting
it also disconnects the client, which signs in again with the new one.
"""

import asyncio
import json
import uuid
from collections.abc import Sequence
from typing import Any

import aiomqtt
import structlog

from fleetlink.domain.devices import ChangeKind, CredentialChange
from fleetlink.domain.errors import Unavailable
from fleetlink.telematics.link import BrokerAddress
from fleetlink.telematics.topics import UPLINK, Channel, topic

log = structlog.get_logger(__name__)
CONTROL_TOPIC = "$CONTROL/dynamic-security/v1"
RESPONSE_TOPIC = f"{CONTROL_TOPIC}/response"
ANSWER_WITHIN_S = 10.0
# Errors that mean the thing is already as wanted (Mosquitto 2.0's wording).
_ALREADY = ("already exists",)


def role_name(vin: str) -> str:
    """The dynamic-security role of one vehicle."""
    return f"fleetlink-vehicle-{vin}"


def vehicle_acls(vin: str) -> list[dict[str, Any]]:
    """What a vehicle may do: publish its uplink, subscribe to and receive its commands."""
    commands = topic(vin, Channel.COMMANDS)
    return [
        *({"acltype": "publishClientSend", "topic": topic(vin, c), "allow": True} for c in UPLINK),
        {"acltype": "subscribeLiteral", "topic": commands, "allow": True},
        {"acltype": "publishClientReceive", "topic": commands, "allow": True},
    ]


def commands_for(change: CredentialChange) -> list[dict[str, Any]]:
    """The dynamic-security commands that make Mosquitto admit what change says."""
    vin = change.credential.vin
    if change.kind is ChangeKind.REVOKED:
        return [{"command": "disableClient", "username": vin}]
    assert change.secret is not None
    role = role_name(vin)
    return [
        {"command": "createRole", "rolename": role, "acls": vehicle_acls(vin)},
        {
            "command": "createClient",
            "username": vin,
            "password": change.secret,
            "roles": [{"rolename": role}],
        },
        # For a client that exists already (issued again, or rotated). Not addClientRole:
        # Mosquitto 2.0 answers "Internal error" for a role the client has.
        {"command": "setClientPassword", "username": vin, "password": change.secret},
        {"command": "enableClient", "username": vin},
    ]


class DynsecError(Unavailable):
    """Mosquitto's dynamic-security plugin did not take a change."""


class DynamicSecurity:
    """Provisions vehicles in Mosquitto (a services.context.DeviceBroker)."""

    def __init__(self, admin: BrokerAddress) -> None:
        self._admin = admin

    async def apply(self, change: CredentialChange) -> None:
        """Send change's commands and wait until Mosquitto has answered every one."""
        await self.apply_many([change])

    async def apply_many(self, changes: Sequence[CredentialChange]) -> None:
        """Send the commands of every change in one message, and wait for every answer."""
        batches = [commands_for(change) for change in changes]
        if not batches:
            return
        answers = iter(await self.send([c for batch in batches for c in batch]))
        refused = []
        for change, batch in zip(changes, batches, strict=True):
            failed = [
                f"{a.get('command')}: {a['error']}"
                for a in (next(answers) for _ in batch)
                if a.get("error") and not any(word in a["error"] for word in _ALREADY)
            ]
            if failed:
                refused.append(f"{change.credential.vin}'s credential: " + "; ".join(failed))
        if refused:
            raise DynsecError("Mosquitto's dynamic security refused " + ", ".join(refused))
        for change in changes:
            log.info("mqtt.dynsec_applied", vin=change.credential.vin, change=change.kind.value)

    async def send(self, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send commands in one message; Mosquitto's answers, in order."""
        tag = uuid.uuid4().hex
        tagged = [{**c, "correlationData": f"{tag}-{i}"} for i, c in enumerate(commands)]
        try:
            async with aiomqtt.Client(
                self._admin.host,
                self._admin.port,
                username=self._admin.username,
                password=self._admin.password,
                identifier=f"fleetlink-dynsec-{tag[:12]}",
            ) as client:
                await client.subscribe(RESPONSE_TOPIC, qos=1)
                await client.publish(CONTROL_TOPIC, json.dumps({"commands": tagged}), qos=1)
                async with asyncio.timeout(ANSWER_WITHIN_S):
                    return await _answers(client, tag, len(tagged))
        except (aiomqtt.MqttError, TimeoutError) as exc:
            raise DynsecError(
                f"Mosquitto's dynamic security at {self._admin.host}:{self._admin.port} did not "
                f"answer ({exc or 'no answer'}): is the plugin loaded, and may the user of "
                "FLEETLINK_MQTT_URL use $CONTROL/dynamic-security/#?"
            ) from exc


async def _answers(client: aiomqtt.Client, tag: str, count: int) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    async for message in client.messages:
        try:
            body = json.loads(message.payload)
        except ValueError:
            continue
        for answer in body.get("responses", []):
            mark = str(answer.get("correlationData", ""))
            if mark.startswith(f"{tag}-"):
                found[mark] = answer
        if len(found) == count:
            break
    return [found[f"{tag}-{i}"] for i in range(count)]
