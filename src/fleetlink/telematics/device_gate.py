"""Who may sign in to the embedded broker: the cloud, and each vehicle with its own credential.

A sign-in reads the vehicle's credential from a cache, not the store: an entry, found or
not, is kept for `ttl` seconds (FLEETLINK_DEVICE_CREDENTIAL_CACHE_SECONDS, 10 by default),
and no message is ever checked against the store. A change made in this process (the
operator API, the demo) reaches the cache at once and closes a session the new state no
longer admits. A change made by another process (`fleetlink devices revoke`) is read by
watch(), which asks the store every `ttl` seconds for what changed: within about that
delay the revoked unit's session is closed, and its next sign-in refused. Several servers
may each run a broker, so the cache expires rather than waiting to be told.
"""

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import structlog

from fleetlink.auth.device_secrets import MAX_SECRET_LENGTH, device_secret_hash
from fleetlink.domain.devices import Admission, CredentialChange, DeviceCredential
from fleetlink.domain.errors import Unavailable
from fleetlink.domain.text import scrubbed
from fleetlink.domain.vin import is_valid_vin
from fleetlink.services.context import ServiceContext
from fleetlink.services.devices import (
    confirm_rotation,
    device_credential,
    device_credentials_changed,
)
from fleetlink.telematics import metrics
from fleetlink.telematics.credentials import CLOUD_USERNAME, verify

log = structlog.get_logger(__name__)
# Past this many entries, expired ones are dropped as new ones come (sign-ins of random VINs
# must not grow the cache for ever).
MAX_ENTRIES = 100_000


class Sessions(Protocol):
    """The broker's live sessions, as far as the gate needs them."""

    async def close_unless(self, client_id: str, admits: Callable[[str | None], bool]) -> None:
        """Close client_id's connection unless admits(the password it signed in with)."""
        ...


@dataclass(frozen=True, slots=True)
class _Entry:
    credential: DeviceCredential | None
    until: float


# How far back each look at the store's changes reaches, at the least.
MIN_LOOKBACK = timedelta(seconds=30)


def _refused(reason: str, username: str) -> bool:
    metrics.SIGN_INS_REFUSED.labels(reason).inc()
    # The username is whatever the client sent (up to 64 KiB, any character): logged only
    # as far as a VIN could go, with what no log or store keeps replaced.
    log.warning("mqtt.sign_in_refused", vin=scrubbed(username, 32), reason=reason)
    return False


class DeviceGate:
    """Decides each sign-in; keeps the credentials it read for a short while."""

    def __init__(
        self,
        ctx: ServiceContext | None,
        *,
        ttl_s: float = 10.0,
        derived_passwords: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # No store (ctx None): only derived passwords can sign in (benchmarks, broker tests).
        self._ctx = ctx
        self.ttl_s = ttl_s
        # The transition from derived passwords: accepted for vehicles with no credential.
        self._derived = derived_passwords or ctx is None
        self._clock = clock
        # The key the cloud's (and, in transition, vehicles') passwords derive from; set by
        # Container.start() once the store's secret is known.
        self.key = b""
        # Set by the broker this gate guards, when it starts.
        self.sessions: Sessions | None = None
        self._cache: dict[str, _Entry] = {}

    async def admit(self, username: str | None, password: str | None) -> bool:
        """Whether username may sign in with password; a refusal is logged and counted."""
        username = username or ""
        if not username or not password or not self.key:
            return _refused("no_credentials", username)
        if username == CLOUD_USERNAME:
            return verify(self.key, username, password) or _refused("wrong_password", username)
        if not is_valid_vin(username):
            return _refused("bad_username", username)
        if len(password) > MAX_SECRET_LENGTH:
            return _refused("wrong_password", username)
        try:
            credential = await self._credential(username)
        except Unavailable:
            return _refused("store_unreachable", username)
        if credential is None:
            if self._derived and verify(self.key, username, password):
                log.info("mqtt.derived_password_accepted", vin=username)
                return True
            return _refused("unregistered", username)
        admission = credential.admission(device_secret_hash(password))
        if admission is Admission.ROTATED:
            await self._confirm(credential)
        elif admission is Admission.REVOKED:
            return _refused("revoked", username)
        elif admission is Admission.WRONG:
            return _refused("wrong_password", username)
        return True

    async def apply(self, change: CredentialChange) -> None:
        """Take a change made in this process at once (services.context.DeviceBroker)."""
        await self._learn(change.credential)

    async def apply_many(self, changes: Sequence[CredentialChange]) -> None:
        """Take several changes made in this process at once."""
        for change in changes:
            await self._learn(change.credential)

    async def watch(self) -> None:
        """Every ttl seconds, learn what other processes changed; runs until cancelled."""
        assert self._ctx is not None, "a gate without a store has nothing to watch"
        # Each look reads back over this much: a change is stamped before its transaction
        # commits, and a slow commit (a loaded database) can land after a look that began
        # later than its stamp. Learning a credential twice changes nothing.
        overlap = max(timedelta(seconds=self.ttl_s), MIN_LOOKBACK)
        since = self._ctx.clock() - overlap
        while True:
            await asyncio.sleep(self.ttl_s)
            started = self._ctx.clock()
            try:
                changed = await device_credentials_changed(self._ctx, since)
            except Unavailable:
                # The store's outage is logged and reported elsewhere; the next look asks
                # again from the same time, so nothing changed meanwhile is missed.
                continue
            for credential in changed:
                await self._learn(credential)
            since = started - overlap
            self._drop_expired()

    async def _credential(self, vin: str) -> DeviceCredential | None:
        entry = self._cache.get(vin)
        if entry is not None and entry.until > self._clock():
            return entry.credential
        if self._ctx is None:
            return None
        credential = await device_credential(self._ctx, vin)
        self._remember(vin, credential)
        return credential

    async def _confirm(self, credential: DeviceCredential) -> None:
        """The unit signed in with its rotated secret: retire the old one."""
        assert self._ctx is not None
        try:
            promoted = await confirm_rotation(self._ctx, credential)
        except Unavailable:
            # Admitted all the same; its next sign-in confirms the rotation again.
            log.warning("mqtt.rotation_not_confirmed", vin=credential.vin)
            return
        await self._learn(promoted)

    async def _learn(self, credential: DeviceCredential) -> None:
        self._remember(credential.vin, credential)
        if self.sessions is not None:

            def admits(password: str | None) -> bool:
                return password is not None and credential.admits(device_secret_hash(password))

            await self.sessions.close_unless(credential.vin, admits)

    def _remember(self, vin: str, credential: DeviceCredential | None) -> None:
        if len(self._cache) >= MAX_ENTRIES:
            self._drop_expired()
        self._cache[vin] = _Entry(credential, self._clock() + self.ttl_s)

    def _drop_expired(self) -> None:
        now = self._clock()
        for vin in [vin for vin, entry in self._cache.items() if entry.until <= now]:
            del self._cache[vin]
