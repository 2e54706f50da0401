"""A call that gets no answer says which server the client tried.

A closed port on 127.0.0.1 stands for a server that is not running. An offline machine (no
route anywhere, no name server) is a private network namespace (``unshare -n``): there the
default ``https://api.heymarket.com`` and a made-up host name cannot be resolved, and nothing
leaves the machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from heymarket_contacts import APIConnectionError, APITimeoutError
from sdk_support import CREDENTIALS, Sleeps, open_client, run
from support import closed_port

pytestmark = pytest.mark.anyio

OFFLINE_CALL = """
import asyncio, sys
from heymarket_contacts import APIConnectionError, AsyncClient, Client

flavour, base_url = sys.argv[1], sys.argv[2] or None

async def call_async():
    async with AsyncClient(base_url=base_url, max_retries=0) as client:
        await client.team.get()

try:
    if flavour == "sync":
        with Client(base_url=base_url, max_retries=0) as client:
            client.team.get()
    else:
        asyncio.run(call_async())
except APIConnectionError as error:
    print(type(error).__name__, error.base_url)
    print(error)
"""


async def test_a_closed_port_is_named_with_the_setting_to_change(flavour: str) -> None:
    base_url = f"http://127.0.0.1:{closed_port()}"
    sleeps = Sleeps()
    async with open_client(
        flavour, base_url=base_url, team=CREDENTIALS, max_retries=1, sleeps=sleeps
    ) as client:
        with pytest.raises(APIConnectionError) as raised:
            await run(client.team.get())
    message = str(raised.value)
    assert message.startswith(f"cannot connect to {base_url}: "), message
    assert "GET /v1/team failed after 2 attempt(s)" in message
    assert "set base_url= or HEYMARKET_BASE_URL" in message
    assert raised.value.base_url == base_url
    assert not isinstance(raised.value, APITimeoutError)
    assert len(sleeps.delays) == 1


def offline_namespace_missing() -> str | None:
    if shutil.which("unshare") is None:
        return "unshare is not installed"
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True, check=False)
    return None if probe.returncode == 0 else f"unshare -n fails: {probe.stderr.strip()}"


@pytest.mark.parametrize(
    ("base_url", "named"),
    [
        pytest.param("", "https://api.heymarket.com", id="default"),
        pytest.param("http://nonexistent.invalid", "http://nonexistent.invalid", id="made-up"),
    ],
)
def test_offline_the_host_that_cannot_be_resolved_is_named(
    flavour: str, base_url: str, named: str
) -> None:
    reason = offline_namespace_missing()
    if reason:
        pytest.skip(f"no private network namespace: {reason}")
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HEYMARKET_")},
        "HEYMARKET_SECRET_ID": CREDENTIALS.secret_id,
        "HEYMARKET_SECRET_KEY": CREDENTIALS.secret_key,
    }
    result = subprocess.run(
        ["unshare", "-n", sys.executable, "-c", OFFLINE_CALL, flavour, base_url],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    first, message = result.stdout.strip().split("\n", 1)
    assert first == f"APIConnectionError {named}"
    assert message.startswith(f"cannot connect to {named}: "), message
    assert "name resolution" in message or "Name or service not known" in message, message
    assert "HEYMARKET_BASE_URL" in message
