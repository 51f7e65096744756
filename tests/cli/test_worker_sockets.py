"""The sockets `fleetlink serve --workers N` listens on: spread, and answering without delay."""

import asyncio
import os
import socket

import pytest

from fleetlink.cli.workers import BALANCED, listen, worker_socket


async def _accepting(sock: socket.socket) -> tuple[asyncio.Server, list[int]]:
    """A server on sock that notes whether each accepted connection has TCP_NODELAY."""
    nodelay: list[int] = []

    async def accepted(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nodelay.append(
            writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        )
        writer.close()

    return await asyncio.start_server(accepted, sock=sock), nodelay


def _handed_over(parent: socket.socket) -> socket.socket:
    """The parent's socket as a worker gets it (multiprocessing rebuilds it so)."""
    return socket.socket(parent.family, parent.type, parent.proto, fileno=os.dup(parent.fileno()))


async def _connect(port: int, count: int) -> None:
    for _ in range(count):
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()
        await writer.wait_closed()


@pytest.mark.parametrize("balanced", [False, True] if BALANCED else [False])
async def test_connections_a_worker_accepts_send_at_once(balanced: bool) -> None:
    # Without TCP_NODELAY (asyncio sets it only on sockets that say IPPROTO_TCP) a response's
    # body waited 40 ms behind its headers on every request a worker answered.
    parent = listen("127.0.0.1", 0, balanced=balanced)
    port = parent.getsockname()[1]
    mine = worker_socket(_handed_over(parent), balanced=balanced)
    server, nodelay = await _accepting(mine)
    try:
        await _connect(port, 5)
        for _ in range(100):
            if len(nodelay) == 5:
                break
            await asyncio.sleep(0.01)
    finally:
        server.close()
        parent.close()
    assert nodelay and all(nodelay), nodelay


@pytest.mark.skipif(not BALANCED, reason="the kernel spreads connections only on Linux")
async def test_the_kernel_spreads_connections_over_the_workers_sockets() -> None:
    # One socket shared by every worker gave most connections to whichever woke first.
    parent = listen("127.0.0.1", 0)
    port = parent.getsockname()[1]
    workers = [worker_socket(_handed_over(parent)) for _ in range(2)]
    servers = [await _accepting(sock) for sock in workers]
    try:
        await _connect(port, 40)
        for _ in range(100):
            if sum(len(n) for _, n in servers) == 40:
                break
            await asyncio.sleep(0.01)
    finally:
        for server, _ in servers:
            server.close()
        parent.close()
    counts = [len(n) for _, n in servers]
    assert sum(counts) == 40
    # 40 connections over two sockets by a hash of the client's port: all on one is 1 in 2^39.
    assert min(counts) > 0, counts


def test_the_parent_only_holds_the_port() -> None:
    # Balanced, the parent never listens, so no connection waits on a socket nobody accepts.
    parent = listen("127.0.0.1", 0)
    try:
        listening = parent.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
        assert listening == (0 if BALANCED else 1)
    finally:
        parent.close()
