"""The framework floor: FastAPI and pydantic answering as fleetlink does, with no store behind.

`python -m bench.floor_fastapi --port PORT --answers FILE`, started by `bench.http_reads`.
Three routes, each declared like fleetlink's (the same path, the same response model from
fleetlink's schemas, `response_model_exclude_none=True`) behind a dependency that reads the
`Authorization: Bearer …` header. Each returns a model parsed once, at start-up, from the
answer fleetlink sent, so FastAPI validates and serializes it on every request exactly as it
does fleetlink's; the bench checks that the bytes come out identical. What fleetlink costs
above this is its own work: authentication, rate limits, middleware, the store.
"""

from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException

from bench.floors import (
    STATUS,
    TOYOTA_PREFIX,
    VEHICLE_DATA,
    VEHICLE_DATA_PREFIX,
    VEHICLES,
    Answer,
    parse_args,
    read_answers,
    serve,
)
from fleetlink.api.highmobility.schemas import VehicleData
from fleetlink.api.toyota.schemas import ConnectedVehicleList, VehicleStatus


async def bearer(authorization: Annotated[str | None, Header()] = None) -> str:
    """The token of an `Authorization: Bearer …` header, or 401 (fleetlink's rule)."""
    if not authorization:
        raise HTTPException(401, "missing Authorization header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "Authorization header must be `Bearer <token>`")
    return token.strip()


Token = Annotated[str, Depends(bearer)]


def create_app(answers: dict[str, Answer]) -> FastAPI:
    status = VehicleStatus.model_validate_json(answers[STATUS].body)
    vehicles = ConnectedVehicleList.model_validate_json(answers[VEHICLES].body)
    data = VehicleData.model_validate_json(answers[VEHICLE_DATA].body)
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get(f"{TOYOTA_PREFIX}/vehicles/{{vin}}/status", response_model_exclude_none=True)
    async def vehicle_status(vin: str, token: Token) -> VehicleStatus:
        return status

    @app.get(f"{TOYOTA_PREFIX}/vehicles", response_model_exclude_none=True)
    async def connected_vehicles(token: Token) -> ConnectedVehicleList:
        return vehicles

    @app.get(f"{VEHICLE_DATA_PREFIX}{{vin}}", response_model_exclude_none=True)
    async def vehicle_data(vin: str, token: Token) -> VehicleData:
        return data

    return app


def main() -> None:
    args = parse_args("python -m bench.floor_fastapi", __doc__)
    serve(create_app(read_answers(args.answers)), args.host, args.port)


if __name__ == "__main__":
    main()
