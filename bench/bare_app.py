"""The ceiling for Python: an ASGI app that answers a fixed body, under the same server.

Run as ``python -m bench.bare_app PORT WORKERS BODY_FILE``; Granian is started with the very
arguments ``heymarket-contacts serve`` uses, so only the app differs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

BODY = Path(os.environ.get("BENCH_BODY_FILE", "/dev/null")).read_bytes()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]
START = {"type": "http.response.start", "status": 200, "headers": HEADERS}
RESPONSE = {"type": "http.response.body", "body": BODY}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    await send(START)
    await send(RESPONSE)


def main() -> None:
    from granian import Granian  # noqa: PLC0415
    from granian.constants import Interfaces  # noqa: PLC0415
    from granian.log import LogLevels  # noqa: PLC0415

    port, workers, body = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    os.environ["BENCH_BODY_FILE"] = body
    Granian(
        "bench.bare_app:app", interface=Interfaces.ASGI, address="127.0.0.1", port=port,
        workers=workers, log_level=LogLevels("warning"),
    ).serve()  # fmt: skip


if __name__ == "__main__":
    main()
