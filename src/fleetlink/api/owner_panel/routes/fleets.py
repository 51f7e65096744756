"""The fleets that asked for the owner's vehicles: approve, decline, withdraw."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from fleetlink.api.dependencies import get_container
from fleetlink.api.owner_panel.pages import redirect, render
from fleetlink.api.owner_panel.session import PREFIX, OwnerForm, SignedInOwner
from fleetlink.domain.errors import InvalidInput
from fleetlink.services.fleet import decide_request, requests_for_owner

router = APIRouter()
FLEETS = f"{PREFIX}/fleets"
_DONE = {
    "approve": "Approved: the fleet can read this vehicle's data.",
    "decline": "Declined: the fleet cannot read this vehicle's data.",
}


@router.get("/fleets")
async def fleets(request: Request, owner: SignedInOwner, done: str | None = None) -> Response:
    """Every fleet's request for one of the owner's vehicles, and where it stands."""
    services = get_container(request).services
    requests = await requests_for_owner(services, owner.account)
    return render(
        request,
        "fleets.html",
        title="Fleet requests",
        owner=owner.account,
        csrf=owner.csrf,
        requests=requests,
        notice=_DONE.get(done or ""),
    )


@router.post("/fleets/{request_id}/decide")
async def decide(
    request: Request, request_id: Annotated[int, Path(ge=1, le=2**31 - 1)], form: OwnerForm
) -> Response:
    """Approve or decline a pending request; declining an approved one withdraws it."""
    decision = form.fields.get("decision")
    if decision not in _DONE:
        raise InvalidInput("choose approve or decline")
    await decide_request(
        get_container(request).services,
        form.owner.account,
        request_id,
        approve=decision == "approve",
    )
    return redirect(f"{FLEETS}?done={decision}")
