"""Operators' messages to owners: recalls and service campaigns for a model or a list of VINs."""

import uuid
from collections.abc import Sequence

from fleetlink.domain.errors import InvalidInput
from fleetlink.domain.notifications import Notification, NotificationType
from fleetlink.domain.state import Severity
from fleetlink.domain.vin import normalize_vin
from fleetlink.services.context import ServiceContext

MAX_TITLE = 255


async def post_campaign(
    ctx: ServiceContext,
    *,
    kind: NotificationType,
    severity: Severity,
    title: str,
    message: str,
    model: str | None = None,
    vins: Sequence[str] = (),
) -> int:
    """Notify the owner of every matching vehicle, in one batch; return how many were told."""
    if (model is None) == (not vins):
        raise InvalidInput("name either a model or VINs, not both and not neither")
    if not title.strip() or len(title) > MAX_TITLE:
        raise InvalidInput(f"a title needs 1 to {MAX_TITLE} characters")
    if not message.strip():
        raise InvalidInput("a message must not be empty")
    canonical = [normalize_vin(v) for v in vins]
    now = ctx.clock()
    async with ctx.store.writing() as uow:
        if model is not None:
            ids = await uow.vehicles.ids_of_model(model)
        else:
            found = await uow.vehicles.existing_ids(canonical)
            missing = sorted(set(canonical) - set(found))
            if missing:
                raise InvalidInput(f"no such vehicles: {', '.join(missing)}")
            ids = list(found.values())
        await uow.notifications.add_many(
            [
                Notification(str(uuid.uuid4()), vid, kind, severity, title, message, now)
                for vid in ids
            ]
        )
        await uow.commit()
    return len(ids)
