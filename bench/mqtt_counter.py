"""A subscriber that only counts, for bench.ingest's bare-broker phase.

`python -m bench.mqtt_counter --host H --port P --client-id ID --topic F --marker M` connects
with a persistent session (clean session off), subscribes to F at QoS 1 and counts the
messages whose payload holds the bytes M (the bench's own; others' traffic on a shared broker
is not counted). paho acknowledges each one (PUBACK) once the callback has counted it. It
prints `ready` once subscribed, then `count N` whenever N changed, at most every 20 ms, on
stdout, until SIGTERM. A process of its own, as the server is, so it does not share the
publishers' event loop.
"""

import argparse
import signal
import sys
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

REPORT_S = 0.02


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.mqtt_counter")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--username")
    parser.add_argument("--password")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--marker", required=True)
    args = parser.parse_args()
    marker = args.marker.encode()
    count = 0
    stopping = threading.Event()

    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=args.client_id,
        clean_session=False,
        protocol=mqtt.MQTTv311,
    )
    client.max_inflight_messages_set(20)
    if args.username:
        client.username_pw_set(args.username, args.password)

    def on_connect(c: mqtt.Client, _u: object, _f: object, reason: object, _p: object) -> None:
        c.subscribe(args.topic, qos=1)

    def on_subscribe(*_: object) -> None:
        print("ready", flush=True)

    def on_message(_c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        nonlocal count
        if marker in message.payload:
            count += 1

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message

    def report() -> None:
        shown = -1
        while not stopping.wait(REPORT_S):
            if count != shown:
                shown = count
                print(f"count {shown}", flush=True)

    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    client.connect(args.host, args.port, keepalive=30)
    reporter = threading.Thread(target=report, daemon=True)
    reporter.start()
    client.loop_start()
    stopping.wait()
    client.loop_stop()
    client.disconnect()
    sys.exit(0)


if __name__ == "__main__":
    main()
