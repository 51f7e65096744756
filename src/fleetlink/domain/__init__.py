"""The pure core: vehicles, state, trips, commands and their rules. No I/O here."""
