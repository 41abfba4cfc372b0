"""A TCP proxy on 127.0.0.1 that breaks its first connection, to test resumed streams."""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

# After the cut-off the proxy stops forwarding the client's bytes, waits this long so
# the server's replies (such as initial metadata) still reach the client, then closes.
DRAIN_SECONDS = 1.0


class BreakingProxy:
    """Forward 127.0.0.1:<port> to the server; the first connection ends after
    ``break_after_bytes`` bytes, every later one forwards everything.

    ``downstream=False`` counts the client's bytes, ``True`` the server's.
    """

    def __init__(
        self, backend_port: int, break_after_bytes: int, *, downstream: bool = False
    ) -> None:
        self.backend_port = backend_port
        self.break_after_bytes = break_after_bytes
        self.downstream = downstream
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> BreakingProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        limit = self.break_after_bytes if self.connections == 1 else None
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        backend_reader, backend_writer = await asyncio.open_connection(
            "127.0.0.1", self.backend_port
        )
        upstream_limit = None if self.downstream else limit
        downstream_limit = limit if self.downstream else None
        upstream = asyncio.create_task(_pipe(reader, backend_writer, upstream_limit))
        downstream = asyncio.create_task(_pipe(backend_reader, writer, downstream_limit))
        limited, other = (downstream, upstream) if downstream_limit else (upstream, downstream)
        try:
            await limited
            if upstream_limit is not None:
                await asyncio.sleep(DRAIN_SECONDS)
        finally:
            other.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await other
            for stream in (writer, backend_writer):
                stream.close()
            self._tasks.discard(task)


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, limit: int | None
) -> None:
    """Copy bytes until EOF, or until ``limit`` bytes have passed."""
    passed = 0
    while limit is None or passed < limit:
        data = await reader.read(16 * 1024 if limit is None else min(16 * 1024, limit - passed))
        if not data:
            return
        writer.write(data)
        await writer.drain()
        passed += len(data)
