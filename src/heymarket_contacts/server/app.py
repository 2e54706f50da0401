"""The composition root: :func:`create_app` builds the whole server from its settings."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .api import Api
from .auth import Authenticator
from .clock import Clock, system_clock
from .errors import ApiError
from .http import (
    RequestIdMiddleware,
    api_error_handler,
    http_error_handler,
    server_error_handler,
)
from .openapi import openapi_document
from .rate_limit import build_rate_limiter
from .router import ApiApp
from .routes import OPERATIONS
from .secret_box import SecretBox, load_master_key
from .service.batch import BatchService
from .service.contact_channels import ChannelService
from .service.contact_list import ContactListService
from .service.contacts import ContactService
from .service.contacts_v2 import ContactV2Service
from .service.fields import FieldService
from .service.notes import NoteService
from .service.tags import TagService
from .service.team import TeamService
from .service.users import UserService
from .settings import Settings, load_settings
from .store import Store, open_store


def create_app(
    settings: Settings, *, store: Store | None = None, clock: Clock = system_clock
) -> ApiApp:
    """The ASGI app for ``settings``; it opens the store unless one is given, and closes it."""
    box = SecretBox(load_master_key(settings.master_key, settings.database))
    store = store or open_store(settings.database)
    api = Api(
        settings=settings,
        store=store,
        authenticator=Authenticator(
            store, box, leeway=settings.clock_skew, legacy_keys=settings.legacy_keys
        ),
        contacts=ContactService(store, clock),
        contact_list=ContactListService(store),
        batch=BatchService(store, clock),
        team=TeamService(store),
        users=UserService(store, clock),
        tags=TagService(store, clock),
        fields=FieldService(store, clock),
        notes=NoteService(store, clock),
        contacts_v2=ContactV2Service(store, clock),
        channels=ChannelService(store, clock),
        limiter=build_rate_limiter(
            limit=settings.rate_limit, redis_url=settings.redis_url, store=store, clock=clock
        ),
    )
    document = msgspec.json.encode(openapi_document(OPERATIONS))

    async def openapi(request: Request) -> Response:
        return Response(document, media_type="application/json")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        store.close()

    fallback = Starlette(
        routes=[
            *(operation.route(api) for operation in OPERATIONS),
            Route("/openapi.json", openapi, methods=["GET"]),
        ],
        middleware=[Middleware(RequestIdMiddleware)],
        exception_handlers={
            ApiError: api_error_handler,
            HTTPException: http_error_handler,
            Exception: server_error_handler,
        },
        lifespan=lifespan,
    )
    fallback.state.api = api
    return ApiApp(api, OPERATIONS, fallback)


def app_from_environment() -> ApiApp:
    """The entry point of a server worker process: settings from ``HEYMARKET_*`` variables."""
    settings = load_settings(os.environ)
    configure_logging(settings.log_level)
    return create_app(settings)


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
