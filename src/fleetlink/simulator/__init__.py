"""Simulated vehicles: seeded models (pure) and a runner that speaks the MQTT protocol."""
