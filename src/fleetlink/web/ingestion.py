"""Ingestion health as the operator's page shows it: the very figures /metrics exports.

Read from this process's Prometheus registry, so they are this server process's own
counts (with several workers, each has its own; Prometheus adds them up). The page takes
two readings a few seconds apart to show messages per second.
"""

from typing import Any

from prometheus_client import REGISTRY

_PREFIX = "fleetlink_mqtt_"


def ingestion_figures() -> dict[str, Any]:
    """Messages received by channel, dropped and dead-lettered by reason, the broker link."""
    received: dict[str, float] = {}
    dropped: dict[str, float] = {}
    dead_lettered: dict[str, float] = {}
    duplicates = 0.0
    connected: bool | None = None
    for family in REGISTRY.collect():
        if not family.name.startswith(_PREFIX):
            continue
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            name, labels, value = sample.name, sample.labels, sample.value
            if name == "fleetlink_mqtt_messages_received_total":
                received[labels.get("channel", "")] = value
            elif name == "fleetlink_mqtt_messages_dropped_total":
                dropped[labels.get("reason", "")] = value
            elif name == "fleetlink_mqtt_messages_dead_lettered_total":
                dead_lettered[labels.get("reason", "")] = value
            elif name == "fleetlink_mqtt_messages_duplicate_total":
                duplicates = value
            elif name == "fleetlink_mqtt_connected":
                connected = value >= 1
    return {
        "received": received,
        "receivedTotal": sum(received.values()),
        "dropped": dropped,
        "deadLettered": dead_lettered,
        "duplicates": duplicates,
        "brokerConnected": connected,
    }
