"""One TLS context for every HTTP client of the process.

An ``httpx.Client()`` made without ``verify`` builds a new context and loads the whole CA
bundle into it: about 20 to 100 ms, more than a request to a local server takes. A context can
serve any number of clients and threads, so it is made once, on first use, with the choice
httpx makes (``SSL_CERT_FILE``, else ``SSL_CERT_DIR``, else certifi's bundle).
"""

from __future__ import annotations

import functools
import os
import ssl

import certifi


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """The process's shared context that verifies servers as httpx does by default."""
    if cafile := os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=cafile)
    if capath := os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=capath)
    return ssl.create_default_context(cafile=certifi.where())
