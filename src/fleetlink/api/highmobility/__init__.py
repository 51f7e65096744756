"""The High Mobility Vehicle API façade."""
