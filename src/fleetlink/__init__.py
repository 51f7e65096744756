"""fleetlink: a self-hostable connected-vehicle cloud."""

__version__ = "0.1.0"
