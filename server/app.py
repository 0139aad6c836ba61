"""The app factory: ``create_app(settings)`` builds the Litestar application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
from asyncpg.exceptions import CharacterNotInRepertoireError
from litestar import Litestar, Request, get
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig

from server import error_responses as errors
from server.admin.aftersales.controller import AfterSalesController
from server.admin.audit.controller import AuditController
from server.admin.conflicts.controller import ConflictsController
from server.admin.customers.controller import CustomersController
from server.admin.imports.controller import ImportController
from server.admin.inventory.controller import InventoryController
from server.admin.mutations.controller import MutationsController
from server.admin.orders.controller import OrdersController
from server.admin.reports.controller import ReportsController
from server.admin.review.controller import ReviewController
from server.admin.users.controller import AdminController
from server.admin.users.service import AdminService
from server.auth.controller import AuthController
from server.auth.principal import sync_actor
from server.auth.same_origin import is_ceremony, same_origin_guard
from server.auth.service import AuthService
from server.body import OrderlyRequest
from server.catalog.controller import CatalogController
from server.compression import compression_config
from server.config import Settings, from_env
from server.db.migrate import migrate
from server.db.sql import DATABASE_GONE, open_database, refresh_statistics
from server.db.sync_store import SqlSyncStore
from server.errors import AppError
from server.keys import load as load_keys
from server.metrics import http_metrics
from server.metrics import metrics as metrics_endpoint
from server.openapi import ApiReference, document_errors
from server.pokes_pg import PokeListener
from server.qr.controller import QrController, status_page, status_page_upper
from server.qr.keys import publish as publish_keys
from server.qr.limit import PerMinute
from server.qr.service import QrService
from server.security import security_headers
from server.state import AppState
from server.syncapi.controller import SyncController
from server.warehouse.controller import LeaseController, StocktakeController
from server.web import web_routes
from sync.errors import SyncError
from sync.protocol import SCHEMA_VERSION

log = logging.getLogger("orderly.server")


def app_state(request: Request) -> AppState:
    return request.app.state.orderly


class Health(msgspec.Struct):
    status: str
    database: str
    schema: int
    last_seq: int


@get("/api/health", operation_id="health", summary="Liveness and the database in use", tags=["ops"])
async def health(app_state: NamedDependency[AppState]) -> Health:
    async with app_state.store.read() as rtx:
        state = await rtx.state()
    return Health("ok", app_state.db.dialect, SCHEMA_VERSION, state.last_seq)


def create_app(settings: Settings | None = None, *, run_migrations: bool = True) -> Litestar:
    settings = settings or from_env()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if run_migrations:
            await migrate(settings)
        db = await open_database(settings)
        await refresh_statistics(db)
        store = SqlSyncStore(db)
        keys = load_keys(settings.keys_dir)
        async with store.read() as rtx:
            last_seq = (await rtx.state()).last_seq
        # Each service gets what it uses (database, store, settings, keys), never the AppState.
        state = AppState(
            settings=settings, db=db, store=store, keys=keys, last_seq=last_seq,
            auth=AuthService(db, store, settings, keys), admin=AdminService(db, store, settings),
            qr=QrService(db, store, keys, settings.public_url),
            qr_page_limit=PerMinute(settings.qr_page_rate_per_minute),
        )  # fmt: skip
        # Every server key and certified device key into signing_keys (only what changed).
        await publish_keys(store, keys)
        # Several processes on PostgreSQL: commits of the others poke this one's event streams.
        pokes = None
        if db.dialect == "postgres":
            pokes = await PokeListener(settings.database_url, state.relayed).start()
        app.state.orderly = state
        try:
            yield
        finally:
            if pokes is not None:
                await pokes.close()
            await db.close()

    limits = {"max_mutations": settings.push_max_mutations, "max_bytes": settings.push_max_bytes}
    route_handlers: list = [
        SyncController, AuthController, AdminController, ReportsController, CatalogController,
        QrController, ConflictsController, ReviewController, AfterSalesController, InventoryController,
        OrdersController, ImportController, MutationsController, CustomersController,
        AuditController, metrics_endpoint, LeaseController, StocktakeController, status_page,
        status_page_upper, health, *web_routes(),
    ]  # fmt: skip
    # Per client address, on the passkey ceremonies only (what an attacker would hammer); the
    # app asks /api/auth/me at every start, and many devices may share one office address.
    auth_rate = RateLimitConfig(
        rate_limit=("minute", settings.auth_rate_per_minute),
        check_throttle_handler=is_ceremony,
    )
    app = Litestar(
        route_handlers=route_handlers,
        lifespan=[lifespan],
        middleware=[auth_rate.middleware, http_metrics().middleware],
        # CSP, frame denial, nosniff, HSTS behind TLS, ... on every answer (server/security.py).
        before_send=[security_headers(settings)],
        # Ceremonies and cookie sessions: same origin and JSON only (server/auth/same_origin.py).
        before_request=same_origin_guard(settings),
        dependencies={
            "app_state": Provide(app_state, sync_to_thread=False),
            "actor": Provide(sync_actor),
        },
        exception_handlers={
            AppError: errors.app_error,
            SyncError: errors.app_error,
            ValidationException: errors.validation_error,
            HTTPException: errors.make_http_error(limits),
            msgspec.DecodeError: errors.decode_error,
            CharacterNotInRepertoireError: errors.text_error,
            **dict.fromkeys(DATABASE_GONE, errors.database_unavailable),
            Exception: errors.internal_error,
        },
        # brotli or gzip on answers of 1 KB and more; event streams untouched (server/compression.py).
        compression_config=compression_config(),
        request_max_body_size=settings.push_max_bytes,
        # Hostile JSON (nested thousands deep, keys not UTF-8) is a 400 (server/body.py).
        request_class=OrderlyRequest,
        openapi_config=OpenAPIConfig(
            title="Orderly",
            version="1",
            description="Offline-first orders: the sync protocol (docs/protocol.md) and the API.",
            path="/schema",
            render_plugins=[ApiReference()],  # from /vendor, no CDN (server/openapi.py)
        ),
        debug=False,
    )
    document_errors(app)  # every error response in the schema as ErrorBody (server/openapi.py)
    return app
