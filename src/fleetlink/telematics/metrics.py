"""Counters of the telematics link, exported at /metrics."""

from prometheus_client import Counter, Gauge, Histogram

CONNECTED = Gauge("fleetlink_mqtt_connected", "1 while the cloud's MQTT session is up")

RECEIVED = Counter(
    "fleetlink_mqtt_messages_received_total", "Uplink messages received", ["channel"]
)
DROPPED = Counter(
    "fleetlink_mqtt_messages_dropped_total", "Uplink messages dropped, by reason", ["reason"]
)
DUPLICATES = Counter(
    "fleetlink_mqtt_messages_duplicate_total", "Redelivered messages applied only once before"
)
BATCH_SECONDS = Histogram("fleetlink_ingest_batch_seconds", "Time to store one batch durably")
COMMANDS_PUBLISHED = Counter(
    "fleetlink_commands_published_total", "Commands published to vehicles", ["command"]
)
UNKNOWN_SIGNALS = Counter(
    "fleetlink_mqtt_unknown_signals_total",
    "Signals in uplink messages that this version does not know (the rest of each message is kept)",
    ["signal"],
)
DEAD_LETTERS = Counter(
    "fleetlink_mqtt_messages_dead_lettered_total",
    "Uplink messages set aside in the dead-letter table, by reason",
    ["reason"],
)
DEAD_LETTERS_SKIPPED = Counter(
    "fleetlink_mqtt_dead_letters_skipped_total",
    "Refused uplink messages not kept as dead letters: past a vehicle's share of one batch",
)
SIGN_INS_REFUSED = Counter(
    "fleetlink_mqtt_sign_ins_refused_total",
    "Sign-ins the embedded broker refused, by reason (unregistered: a VIN with no credential)",
    ["reason"],
)
