"""The webhooks API: parse, call one service, map."""

from fastapi import APIRouter, Response

from fleetlink.api.webhooks import schemas as s
from fleetlink.api.webhooks.dependencies import Caller, Services
from fleetlink.services import webhooks

router = APIRouter(prefix="/webhooks", tags=["Webhooks"])


@router.get("", response_model_exclude_none=True)
async def list_subscriptions(caller: Caller, ctx: Services) -> list[s.SubscriptionOut]:
    return [s.subscription(w) for w in await webhooks.list_subscriptions(ctx, caller)]


@router.post("", status_code=201, response_model_exclude_none=True)
async def create_subscription(
    body: s.NewSubscription, caller: Caller, ctx: Services
) -> s.SubscriptionOut:
    created = await webhooks.create_subscription(
        ctx, caller, body.url, body.event_types, body.format
    )
    return s.subscription(created, with_secret=True)


@router.get("/{subscription_id}", response_model_exclude_none=True)
async def get_subscription(
    subscription_id: str, caller: Caller, ctx: Services
) -> s.SubscriptionOut:
    return s.subscription(await webhooks.get_subscription(ctx, caller, subscription_id))


@router.delete("/{subscription_id}", status_code=204)
async def delete_subscription(subscription_id: str, caller: Caller, ctx: Services) -> Response:
    await webhooks.delete_subscription(ctx, caller, subscription_id)
    return Response(status_code=204)


@router.post("/{subscription_id}/rotate-secret", response_model_exclude_none=True)
async def rotate_secret(subscription_id: str, caller: Caller, ctx: Services) -> s.SubscriptionOut:
    rotated = await webhooks.rotate_secret(ctx, caller, subscription_id)
    return s.subscription(rotated, with_secret=True)


@router.post("/{subscription_id}/enable", response_model_exclude_none=True)
async def enable(subscription_id: str, caller: Caller, ctx: Services) -> s.SubscriptionOut:
    return s.subscription(await webhooks.enable_subscription(ctx, caller, subscription_id))


@router.get("/{subscription_id}/attempts")
async def list_attempts(
    subscription_id: str, caller: Caller, ctx: Services, limit: int = 50
) -> list[s.AttemptOut]:
    found = await webhooks.list_attempts(ctx, caller, subscription_id, limit)
    return [s.attempt(a) for a in found]


@router.post("/{subscription_id}/replay", status_code=202)
async def replay(subscription_id: str, body: s.Replay, caller: Caller, ctx: Services) -> s.Replayed:
    queued = await webhooks.replay(
        ctx,
        caller,
        subscription_id,
        event_ids=body.event_ids or (),
        start=body.start,
        end=body.end,
    )
    return s.Replayed(queued=queued)
