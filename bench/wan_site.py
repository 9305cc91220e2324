"""A site per loopback address with a real network's latency, in its own process (issue 20).

    python -m bench.wan_site N [--latency 0.2]

Listens on N addresses 127.0.1.1, 127.0.1.2, … (250 per /24: 127.0.1.x, 127.0.2.x, …; loopback only) on
one port, and answers every request after `latency` seconds: `/robots.txt`, and the fixture site's 25-item
listing (with an ETag, so a second cycle gets 304s) at any other path. Prints the port on the first line of
stdout, then serves until stdin closes. asyncio: a thousand slow answers at once cost no thread each.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import resource
import sys

from tests.fixture_site import LISTING_PATH, FixtureSite

ROBOTS = b"User-agent: *\nDisallow: /private/\n"


def address(n: int) -> str:
    """The n-th host (0-based): 127.0.1.1 … 127.0.1.250, then 127.0.2.1 …"""
    return f"127.0.{1 + n // 250}.{1 + n % 250}"


def listing_url(n: int, port: int) -> str:
    return f"http://{address(n)}:{port}{LISTING_PATH}"


def _answer(status: str, body: bytes, headers: dict[str, str]) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def main(count: int, latency: float) -> None:
    with FixtureSite(per_page=25) as site:  # started only to give its links a host: nothing fetches them
        listing = site.render_listing(site.items[:25], 1).encode()
    etag = '"' + hashlib.sha256(listing).hexdigest()[:16] + '"'
    html = {"Content-Type": "text/html; charset=utf-8", "ETag": etag}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                lines = request.decode("latin-1").split("\r\n")
                method, path = lines[0].split(" ")[:2]
                headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
                await asyncio.sleep(latency)
                if path == "/robots.txt":
                    answer = _answer("200 OK", ROBOTS, {"Content-Type": "text/plain"})
                elif headers.get("if-none-match") == etag:
                    answer = _answer("304 Not Modified", b"", {"ETag": etag})
                else:
                    answer = _answer("200 OK", b"" if method == "HEAD" else listing, html)
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    servers = []
    first = await asyncio.start_server(handle, address(0), 0)
    port = first.sockets[0].getsockname()[1]
    servers.append(first)
    for n in range(1, count):
        servers.append(await asyncio.start_server(handle, address(n), port))
    print(port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for server in servers:
        server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # a socket per address, plus the connections
    asyncio.run(main(args.count, args.latency))
