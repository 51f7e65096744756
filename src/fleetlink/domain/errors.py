"""The domain's exception tree; each API façade translates it once, at its edge.

FleetlinkError
├── InvalidInput          a value breaks a rule of the domain (→ 400)
├── NotFound              the thing does not exist for this caller (→ 404)
│   ├── VehicleNotFound   unknown VIN, or a VIN of another account: the same answer
│   └── CommandNotFound
├── Conflict              the request clashes with what exists (→ 409)
├── InvalidTransition     a command cannot move to the asked status
├── Unauthenticated       missing, malformed, forged or expired credentials (→ 401)
├── Forbidden             known caller, but not allowed this (missing scope, no clearance) (→ 403)
├── RateLimited           the caller spent its budget; retry after a while (→ 429)
├── Unavailable           a dependency (the database…) cannot be reached; retry soon (→ 503)
└── OAuthError            an RFC 6749 token or authorization error, with its error code
"""


class FleetlinkError(Exception):
    """Base of every error fleetlink raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(FleetlinkError):
    """A value breaks a rule of the domain."""


class NotFound(FleetlinkError):
    """The thing asked for does not exist, as far as the caller may know."""


class VehicleNotFound(NotFound):
    """No vehicle with this VIN belongs to the caller."""

    def __init__(self, vin: str) -> None:
        super().__init__(f"Vehicle {vin!r} not found")
        self.vin = vin


class CommandNotFound(NotFound):
    """No command with this request id exists for the vehicle."""

    def __init__(self, request_id: str) -> None:
        super().__init__(f"Command {request_id!r} not found")


class Conflict(FleetlinkError):
    """The request clashes with what already exists."""


class InvalidTransition(FleetlinkError):
    """A command was asked to move to a status its lifecycle forbids."""


class Unauthenticated(FleetlinkError):
    """The caller did not prove who they are."""


class Forbidden(FleetlinkError):
    """The caller is known but may not do this: a missing scope, a clearance not approved."""


class RateLimited(FleetlinkError):
    """A rate limit is spent; retry_after seconds from now there is room again."""

    def __init__(self, message: str, *, limit: int, retry_after: int, reset: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.retry_after = retry_after
        self.reset = reset


class Unavailable(FleetlinkError):
    """A dependency is unreachable for now (not a fault of the request): retry_after seconds."""

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OAuthError(FleetlinkError):
    """An OAuth 2.0 error (RFC 6749 §5.2): `error` is the code a client acts on."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
