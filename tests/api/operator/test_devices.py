"""Device credentials through the operator API: issued at registration, rotated, revoked."""

import httpx

from fleetlink.bootstrap import Container
from fleetlink.services.devices import device_credential
from tests.api.operator.conftest import PREFIX, OperatorCaller, new_vin


async def test_a_credential_is_issued_with_the_vehicle_and_then_managed(
    client: httpx.AsyncClient, operator: OperatorCaller, container: Container
) -> None:
    vin = new_vin()
    path = f"{PREFIX}/vehicles/{vin}/device-credential"

    registered = await client.post(
        f"{PREFIX}/vehicles", json={"vin": vin}, headers=operator.headers
    )
    issued = registered.json()["deviceCredential"]
    stored = await device_credential(container.services, vin)
    state = await client.get(path, headers=operator.headers)
    again = await client.post(path, headers=operator.headers)
    rotated = await client.post(f"{path}/rotate", json={}, headers=operator.headers)
    rotating = await client.get(path, headers=operator.headers)
    revoked = await client.delete(path, headers=operator.headers)
    after = await client.get(path, headers=operator.headers)
    reissued = await client.post(path, headers=operator.headers)

    assert registered.status_code == 201, registered.text
    assert issued["username"] == vin and len(issued["password"]) >= 32
    # Only a digest is kept: the secret appears nowhere in the stored record.
    assert stored is not None and issued["password"] not in repr(stored)
    assert state.json()["state"] == "active" and state.json()["revokedAt"] is None
    assert again.status_code == 409 and vin in again.json()["message"]
    assert rotated.status_code == 200
    assert rotated.json()["password"] != issued["password"]
    assert rotating.json()["state"] == "rotating"
    assert revoked.status_code == 204
    assert after.json()["state"] == "revoked" and after.json()["revokedAt"] is not None
    assert reissued.status_code == 201
    assert reissued.json()["password"] not in (issued["password"], rotated.json()["password"])


async def test_unknown_and_malformed_vins_and_requests_without_a_token_are_refused(
    client: httpx.AsyncClient, operator: OperatorCaller
) -> None:
    unknown = new_vin()

    missing = await client.get(
        f"{PREFIX}/vehicles/{unknown}/device-credential", headers=operator.headers
    )
    issue_missing = await client.post(
        f"{PREFIX}/vehicles/{unknown}/device-credential", headers=operator.headers
    )
    malformed = await client.delete(
        f"{PREFIX}/vehicles/NOT-A-VIN/device-credential", headers=operator.headers
    )
    no_token = await client.delete(f"{PREFIX}/vehicles/{unknown}/device-credential")

    assert missing.status_code == 404 and issue_missing.status_code == 404
    assert malformed.status_code == 400 and "VIN" in malformed.json()["message"]
    assert no_token.status_code == 401


async def test_a_rotation_whose_body_is_null_is_refused(
    client: httpx.AsyncClient, operator: OperatorCaller
) -> None:
    """The body may be left out, but null is not an object (schemathesis found it, issue 15)."""
    vin = new_vin()
    await client.post(f"{PREFIX}/vehicles", json={"vin": vin}, headers=operator.headers)
    path = f"{PREFIX}/vehicles/{vin}/device-credential/rotate"

    null = await client.post(
        path, content=b"null", headers={**operator.headers, "Content-Type": "application/json"}
    )
    none = await client.post(path, headers=operator.headers)

    assert null.status_code == 400, null.text
    assert null.json()["code"] == "BAD_REQUEST"
    assert none.status_code == 200, none.text
