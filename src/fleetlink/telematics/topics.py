"""Topic names of protocol v1 (see docs/telematics.md)."""

from dataclasses import dataclass
from enum import StrEnum

PREFIX = "fleetlink/v1"


class Channel(StrEnum):
    """The per-vehicle topics."""

    TELEMETRY = "telemetry"
    EVENTS = "events"
    CONNECTION = "connection"
    COMMANDS = "commands"
    COMMAND_RESULTS = "command-results"


UPLINK = (Channel.TELEMETRY, Channel.EVENTS, Channel.CONNECTION, Channel.COMMAND_RESULTS)


@dataclass(frozen=True, slots=True)
class Topic:
    """A parsed topic: whose, and which channel."""

    vin: str
    channel: Channel


def topic(vin: str, channel: Channel) -> str:
    """The topic of one vehicle's channel."""
    return f"{PREFIX}/{vin}/{channel.value}"


def uplink_filters() -> list[str]:
    """The filters the cloud subscribes to: every vehicle's uplink channels."""
    return [f"{PREFIX}/+/{channel.value}" for channel in UPLINK]


def parse_topic(name: str) -> Topic | None:
    """The vehicle and channel of a topic, or None for a topic outside the protocol."""
    parts = name.split("/")
    if len(parts) != 4 or f"{parts[0]}/{parts[1]}" != PREFIX:
        return None
    try:
        channel = Channel(parts[3])
    except ValueError:
        return None
    return Topic(parts[2], channel)
