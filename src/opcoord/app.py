"""create_app(settings) -> Litestar: routes, plugins, lifespan."""

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar, MediaType, get
from litestar.config.app import AppConfig
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy.engine import make_url

from opcoord import __version__
from opcoord.admin_pages import ADMIN_PAGES
from opcoord.auth import ensure_admin
from opcoord.clock import Clock
from opcoord.config import Settings, get_settings
from opcoord.db import Database, make_engine
from opcoord.errors import http_handler, internal_handler, validation_handler
from opcoord.live.hub import Hub
from opcoord.live.map_routes import MAP_ROUTES
from opcoord.live.pump import LivePump
from opcoord.live.routes import live
from opcoord.operations.import_routes import ROUTES as IMPORT_ROUTES
from opcoord.operations.report_routes import ROUTES as REPORT_ROUTES
from opcoord.operations.routes import DEPENDENCIES, ROUTES
from opcoord.pages import PAGES
from opcoord.portal_pages import PORTAL_PAGES
from opcoord.return_pages import RETURN_PAGES
from opcoord.scheduler import scheduler_lifespan

log = logging.getLogger(__name__)


def frontend_dir(settings: Settings) -> Path:
    if settings.frontend_dir is not None:
        return settings.frontend_dir
    packaged = Path(__file__).parent / "frontend"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "frontend"


def listen_dsn(database_url: str) -> str | None:
    """The asyncpg DSN for LISTEN, on PostgreSQL; None on SQLite (one process)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return None
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@get("/health", include_in_schema=False, media_type=MediaType.JSON)
async def health() -> dict[str, str]:
    return {"status": "ok"}


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    extra_lifespans: Sequence[Any] = (),
) -> Litestar:
    settings = settings or get_settings()
    clock = clock or Clock()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # Engines belong to the loop that runs the app: create them here, not at import.
        db = Database(make_engine(settings.database_url, pool_size=settings.db_pool_size))
        app.state.db = db
        pump = LivePump(db, app.state.hub, listen_dsn=listen_dsn(settings.database_url))
        app.state.pump = pump
        try:
            if settings.admin_token:
                await ensure_admin(db, settings.admin_token, clock.now())
            await pump.start()
            yield
        finally:
            await pump.stop()
            await db.dispose()

    static = frontend_dir(settings)
    swagger = SwaggerRenderPlugin(
        js_url="/static/vendor/swagger-ui-dist/swagger-ui-bundle.js",
        css_url="/static/vendor/swagger-ui-dist/swagger-ui.css",
        standalone_preset_js_url="/static/vendor/swagger-ui-dist/swagger-ui-standalone-preset.js",
        path="/swagger",
        favicon="<link rel='icon' type='image/svg+xml' href='/static/favicon.svg'>",
    )
    handlers: list[Any] = [
        health,
        live,
        *PAGES,
        *ADMIN_PAGES,
        *PORTAL_PAGES,
        *RETURN_PAGES,
        *MAP_ROUTES,
        *ROUTES,
        *REPORT_ROUTES,
        *IMPORT_ROUTES,
    ]
    if static.is_dir():
        handlers.append(
            create_static_files_router(
                path="/static", directories=[static], include_in_schema=False
            )
        )
    app = Litestar(
        route_handlers=handlers,
        dependencies=DEPENDENCIES,
        # The scheduler's lifespan runs inside the first one: it needs app.state.db.
        lifespan=[lifespan, scheduler_lifespan, *extra_lifespans],
        exception_handlers={
            ValidationException: validation_handler,
            HTTPException: http_handler,
            Exception: internal_handler,
        },
        openapi_config=OpenAPIConfig(
            title="opcoord",
            version=__version__,
            description="Coordination of joint operations against trafficking in cultural objects.",
            path="/schema",
            render_plugins=[swagger],
        ),
        request_max_body_size=settings.max_body_bytes,
        template_config=TemplateConfig(directory=static / "templates", engine=JinjaTemplateEngine),
        on_app_init=[_keep_settings(settings, clock)],
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.hub = Hub()
    return app


def _keep_settings(settings: Settings, clock: Clock) -> Any:
    def hook(config: AppConfig) -> AppConfig:
        config.state.update({"settings": settings, "clock": clock})
        return config

    return hook
