"""fleetlink's own webhooks API: subscriptions, their attempts, replays (docs/events.md)."""
