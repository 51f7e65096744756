"""HTTP transports: the API façades and the pieces they share."""
