"""An owner's own access token for the Toyota API, taken from the panel once signed in.

The Toyota API acts for an owner's account with a bearer token; this is how an owner (or a
script of theirs) gets one without asking the operator. It is shown once and lives
FLEETLINK_TOKEN_TTL_SECONDS; disabling the account ends it at once.
"""

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import Response

from fleetlink.api.dependencies import get_container
from fleetlink.api.owner_panel.pages import render
from fleetlink.api.owner_panel.session import OwnerForm, SignedInOwner
from fleetlink.auth.tokens import TOYOTA_AUDIENCE

router = APIRouter()
log = structlog.get_logger(__name__)


@router.get("/api-token")
async def api_token_page(request: Request, owner: SignedInOwner) -> Response:
    """What a token is for, and the button that makes one."""
    settings = get_container(request).settings
    return render(
        request,
        "api_token.html",
        title="Your API token",
        owner=owner.account,
        csrf=owner.csrf,
        token=None,
        ttl_minutes=settings.token_ttl_seconds // 60,
    )


@router.post("/api-token")
async def issue_api_token(request: Request, form: OwnerForm) -> Response:
    """Issue a Toyota API token for the signed-in owner and show it this once."""
    container = get_container(request)
    account = form.owner.account
    token = await container.tokens.issue(
        account.guid, TOYOTA_AUDIENCE, container.settings.token_ttl, container.services.clock()
    )
    log.info("owner.api_token_issued", account=account.guid)
    # The panel's pages are never cached (PageHeaders: Cache-Control: no-store).
    return render(
        request,
        "api_token.html",
        title="Your API token",
        owner=account,
        csrf=form.owner.csrf,
        token=token,
        ttl_minutes=container.settings.token_ttl_seconds // 60,
    )
