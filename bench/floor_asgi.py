"""The bare floor: a pure ASGI app on uvicorn that sends fleetlink's answers as fixed bytes.

`python -m bench.floor_asgi --port PORT --answers FILE`, started by `bench.http_reads`. No
framework, no routing table, no checks of the caller: it picks the answer by the path's shape
and sends the same bytes (body and content-type) fleetlink sent. What is left is uvicorn's
HTTP parsing and the event loop, the cost below any Python web app on this server.
"""

from bench.floors import (
    Answer,
    ASGIApp,
    Receive,
    Scope,
    Send,
    parse_args,
    read_answers,
    route_of,
    serve,
)

_NOT_FOUND = b'{"detail":"Not Found"}'


def create_app(answers: dict[str, Answer]) -> ASGIApp:
    responses = {
        name: (
            [
                (b"content-type", answer.content_type.encode("latin-1")),
                (b"content-length", str(len(answer.body)).encode()),
            ],
            answer.body,
        )
        for name, answer in answers.items()
    }
    not_found = (
        [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(_NOT_FOUND)).encode()),
        ],
        _NOT_FOUND,
    )

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        route = route_of(scope["path"])
        headers, body = responses[route] if route is not None else not_found
        await send(
            {
                "type": "http.response.start",
                "status": 200 if route is not None else 404,
                "headers": headers,
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


def main() -> None:
    args = parse_args("python -m bench.floor_asgi", __doc__)
    serve(create_app(read_answers(args.answers)), args.host, args.port)


if __name__ == "__main__":
    main()
