"""The web app for owners and operators, served at / beside the APIs (docs/web.md)."""
