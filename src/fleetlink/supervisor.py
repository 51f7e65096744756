"""Background tasks that run for ever: restarted when they stop, reported while they are down."""

import asyncio
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)
FIRST_RESTART_DELAY_S = 1.0
MAX_RESTART_DELAY_S = 30.0
# A task that ran this long before failing was healthy: its next restart is not slowed.
HEALTHY_RUN_S = 60.0


class Supervisor:
    """Keeps named tasks running; down() says which are not, and why."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._down: dict[str, str] = {}

    def start(self, name: str, run: Callable[[], Awaitable[None]]) -> None:
        """Run run() as the task name, again and again whenever it returns or raises."""
        self._tasks[name] = asyncio.create_task(self._keep(name, run), name=name)

    def down(self) -> dict[str, str]:
        """The tasks not running now, each with what stopped it."""
        return dict(self._down)

    async def stop(self) -> None:
        """Cancel every task and wait for them."""
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        self._tasks.clear()

    async def _keep(self, name: str, run: Callable[[], Awaitable[None]]) -> None:
        delay = FIRST_RESTART_DELAY_S
        loop = asyncio.get_running_loop()
        while True:
            began = loop.time()
            try:
                await run()
                why = "returned"
                log.error("background.stopped", task=name, restart_in_s=delay)
            except Exception as exc:
                why = f"{type(exc).__name__}: {exc}"[:300]
                log.error("background.stopped", task=name, restart_in_s=delay, exc_info=exc)
            if loop.time() - began > HEALTHY_RUN_S:
                delay = FIRST_RESTART_DELAY_S
            self._down[name] = why
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RESTART_DELAY_S)
            self._down.pop(name, None)
            log.info("background.restarted", task=name)
