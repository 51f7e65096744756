"""The operator API: vehicles and owners, for the people who run a deployment."""
