"""Telling a database that cannot be reached from a statement it refused, and saying so once.

A failure to reach the database (refused or reset connections, a server shutting down or
starting up, a SQLite file that cannot be opened) says nothing about the request: the same
request succeeds once the database is back, so it is answered 503 with Retry-After. A
statement the database refuses for its data (a unique key taken, a value it cannot store)
fails the same way every time, and is never reported as an outage.
"""

import time

import structlog
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from fleetlink.domain.errors import Unavailable

log = structlog.get_logger(__name__)

# PostgreSQL SQLSTATEs that mean the server cannot serve anyone now: connection exceptions
# (08), insufficient resources (53: too many connections, disk full), operator intervention
# (57P: shutting down, crashed, starting up) and system errors (58: I/O).
_PG_UNAVAILABLE = (
    "08",
    "53",
    "57P",
    "58",
    *(
        # And what says nothing about the statement either, and passes if tried again: a
        # serialization failure or deadlock (40001, 40P01), a server turned read-only by a
        # failover (25006), a lock or statement timeout (55P03, 57014).
        "40001",
        "40P01",
        "25006",
        "55P03",
        "57014",
    ),
)
# SQLite primary result codes about the file and its locks, never about the statement:
# BUSY, LOCKED, NOMEM, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
_SQLITE_UNAVAILABLE = frozenset({5, 6, 7, 8, 10, 13, 14, 15})


def unreachable(exc: BaseException) -> bool:
    """Whether exc says the database could not be reached, rather than refusing a statement."""
    if isinstance(exc, OSError | TimeoutError | PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate.startswith(_PG_UNAVAILABLE)
    sqlite_code = getattr(exc.orig, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int):
        return sqlite_code & 0xFF in _SQLITE_UNAVAILABLE
    return isinstance(exc, OperationalError)


class Outage:
    """Whether this process last found the database unreachable; logs each outage once.

    A warning when the first failure is seen, an info when a unit of work next gets through,
    however many requests failed in between.
    """

    def __init__(self) -> None:
        self._since: float | None = None

    @property
    def ongoing(self) -> bool:
        """Whether the last unit of work could not reach the database."""
        return self._since is not None

    def failed(self, exc: BaseException) -> Unavailable:
        """Note a failure to reach the database; the domain error to raise from it."""
        if self._since is None:
            self._since = time.monotonic()
            log.warning("store.unreachable", error=str(exc) or type(exc).__name__)
        return Unavailable("the database cannot be reached at the moment; try again shortly")

    def answered(self) -> None:
        """Note that the database answered; the end of an outage, if one was ongoing."""
        if self._since is not None:
            log.info("store.back", down_s=round(time.monotonic() - self._since, 1))
            self._since = None
