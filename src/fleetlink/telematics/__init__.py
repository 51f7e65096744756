"""The MQTT side: topics and codec (pure), the ingestor, the command publisher."""
