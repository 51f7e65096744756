"""The apps an owner let in, and revoking them."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fleetlink.api.dependencies import get_container
from fleetlink.api.owner_panel.pages import redirect, render
from fleetlink.api.owner_panel.session import HOME, OwnerForm, SignedInOwner
from fleetlink.domain.webhooks import Subscriber, SubscriptionStatus
from fleetlink.services.owner_grants import granted_apps, revoke_grant
from fleetlink.services.webhooks import list_subscriptions

router = APIRouter()


@router.get("/")
async def home() -> Response:
    """The panel's home is the list of apps."""
    return redirect(HOME)


@router.get("/grants")
async def grants(request: Request, owner: SignedInOwner, revoked: bool = False) -> Response:
    """Every app the owner let in, with what it may do and to which vehicles."""
    services = get_container(request).services
    apps = await granted_apps(services, owner.account)
    # The panel's home tells the owner of endpoints that were disabled (there is no mail).
    hooks = await list_subscriptions(services, Subscriber(account_id=owner.account.id))
    disabled = [h for h in hooks if h.status is SubscriptionStatus.DISABLED]
    return render(
        request,
        "grants.html",
        title="Your apps",
        owner=owner.account,
        csrf=owner.csrf,
        apps=apps,
        disabled_hooks=disabled,
        notice="Access revoked: the app can no longer reach those vehicles." if revoked else None,
    )


@router.post("/grants/{grant_id}/revoke")
async def revoke(request: Request, grant_id: str, form: OwnerForm) -> Response:
    """Revoke a grant: the app's tokens for it stop working at once."""
    await revoke_grant(get_container(request).services, form.owner.account, grant_id)
    return redirect(f"{HOME}?revoked=true")
