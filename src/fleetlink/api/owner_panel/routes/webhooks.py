"""The owner's webhook endpoints: which are failing or disabled, and enabling one again.

fleetlink has no mail server, so this page (and the alert on the panel's home) is how an owner
learns that an endpoint was disabled after a 410 Gone or five days of failures.
"""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fleetlink.api.dependencies import get_container
from fleetlink.api.owner_panel.pages import redirect, render
from fleetlink.api.owner_panel.session import PREFIX, OwnerForm, SignedInOwner
from fleetlink.domain.webhooks import Subscriber
from fleetlink.services.webhooks import enable_subscription, list_subscriptions

router = APIRouter()
PAGE = f"{PREFIX}/webhooks"


@router.get("/webhooks")
async def webhooks_page(request: Request, owner: SignedInOwner, enabled: bool = False) -> Response:
    """Every endpoint of the owner's, with its state."""
    subs = await list_subscriptions(
        get_container(request).services, Subscriber(account_id=owner.account.id)
    )
    return render(
        request,
        "webhooks.html",
        title="Your webhooks",
        owner=owner.account,
        csrf=owner.csrf,
        subscriptions=subs,
        notice="Enabled: the endpoint is sent events again from now on." if enabled else None,
    )


@router.post("/webhooks/{subscription_id}/enable")
async def enable(request: Request, subscription_id: str, form: OwnerForm) -> Response:
    """Send to a disabled endpoint again."""
    await enable_subscription(
        get_container(request).services,
        Subscriber(account_id=form.owner.account.id),
        subscription_id,
    )
    return redirect(f"{PAGE}?enabled=true")
