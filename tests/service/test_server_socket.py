"""The feed server's listening socket: connections it accepts must have Nagle off (TCP_NODELAY).

Without it, each response (headers, then body, in two writes) waits for the client's delayed ACK: 40 ms per
keep-alive request on Linux. asyncio sets TCP_NODELAY itself, but only on sockets whose proto is TCP.
"""

from __future__ import annotations

import asyncio
import socket

from scraper.service.server import _listen


def test_accepted_connections_have_nagle_off() -> None:
    listener = _listen("127.0.0.1", 0, socket.AF_INET)
    port = listener.getsockname()[1]
    seen: list[int] = []

    async def main() -> None:
        def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connect, sock=listener)
        async with server:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            for _ in range(100):
                if seen:
                    break
                await asyncio.sleep(0.01)
            writer.close()

    asyncio.run(main())
    assert seen and seen[0] != 0


def test_a_busy_port_is_an_error() -> None:
    first = _listen("127.0.0.1", 0, socket.AF_INET)
    try:
        try:
            second = _listen("127.0.0.1", first.getsockname()[1], socket.AF_INET)
        except OSError:
            return
        second.close()
        raise AssertionError("a second listener bound a port already in use")
    finally:
        first.close()
