"""Structured logs: key=value on a terminal, JSON lines when asked; request id and VIN bound in."""

import logging
import sys
from collections.abc import Mapping

import structlog


def configure_logging(
    level: str = "info", *, json: bool = False, process: Mapping[str, object] | None = None
) -> None:
    """Route structlog and the standard library's loggers to stderr in one format.

    process: fields every line of this process carries (a worker's number).
    """
    fields = dict(process or {})

    def name_process(
        _: object, __: str, event: structlog.typing.EventDict
    ) -> structlog.typing.EventDict:
        event.update(fields)
        return event

    processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        name_process,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if json
        # Plain tracebacks: rich ones print local variables, bearer tokens among them.
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[
            *processors,
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(foreign_pre_chain=processors, processor=renderer)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our middleware logs each request with its id; uvicorn's access line would repeat it.
    logging.getLogger("uvicorn.access").disabled = True
    # The embedded broker's state machine and listener narrate every vehicle's connection
    # at info; our own mqtt.* events say what matters. Their warnings still come through.
    for name in ("transitions", "amqtt.broker", "amqtt.mqtt.protocol"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
