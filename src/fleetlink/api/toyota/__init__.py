"""The Toyota Connected Services façade, served under /connected/v1."""
