"""A webhook receiver for the bench, run as its own process: ``python -m bench.receiver PORT``.

It answers every ``POST /hooks/<ms>`` with ``200`` after ``<ms>`` milliseconds, and keeps
each delivery as it arrives: its ``X-Heymarket-Delivery`` id, the wall-clock time its body
was read (``time.time()``, the clock the bench reads on its side), its event and the id of
its contact. ``GET /arrivals?since=N`` answers the arrivals from the N-th on, as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from urllib.parse import parse_qs, urlsplit

#: (delivery id, arrival time in s, event, contact id), in the order they arrived.
Arrival = tuple[str, float, str, int]


class Receiver:
    def __init__(self) -> None:
        self.arrivals: list[Arrival] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self.answer(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """One request and its answer; whether the connection stays open."""
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        method, target, _ = head[0].split(" ", 2)
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in head[1:] if line)
        }
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        url = urlsplit(target)
        if method == "POST" and url.path.startswith("/hooks/"):
            self.arrivals.append(arrival(headers, body))
            await asyncio.sleep(int(url.path.removeprefix("/hooks/")) / 1000)
            payload = b""
        elif method == "GET" and url.path == "/arrivals":
            since = int(parse_qs(url.query).get("since", ["0"])[0])
            payload = json.dumps(self.arrivals[since:]).encode()
        else:
            writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return True
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(payload), payload)
        )
        await writer.drain()
        return headers.get("connection", "").lower() != "close"


def arrival(headers: dict[str, str], body: bytes) -> Arrival:
    received = time.time()
    envelope = json.loads(body)
    data = envelope.get("event_data", {})
    contact = data.get("contact_id", data.get("id", 0))
    return (headers.get("x-heymarket-delivery", ""), received, envelope.get("type", ""), contact)


async def main(port: int) -> None:
    receiver = Receiver()
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
