"""create_app(settings) -> Litestar: the composition root that wires the packages.

Every route handler declares its access rule; the one app-wide guard applies it before
the request body is read. Domain errors become HTTP answers in ``web.py``.
"""

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar, Router
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy.engine import make_url

from opcoord import __version__, web
from opcoord.accounts import limits
from opcoord.accounts import pages as account_pages
from opcoord.accounts import routes as account_routes
from opcoord.accounts.access import Rule, needs
from opcoord.accounts.audit_routes import AUDIT_ROUTES
from opcoord.accounts.guard import make_check, provide_caller, require_checks
from opcoord.accounts.users import ensure_admin
from opcoord.clock import Clock
from opcoord.config import Settings, get_settings
from opcoord.db import open_database
from opcoord.headers import RequestIds, SecurityHeaders, SharedReads
from opcoord.intel import duplicates, hits
from opcoord.intel.duplicates_routes import ROUTES as DUPLICATE_ROUTES
from opcoord.intel.hits_checker import checker_lifespan
from opcoord.intel.hits_pages import HIT_PAGES
from opcoord.intel.watchlists_routes import ROUTES as WATCHLIST_ROUTES
from opcoord.live.hub import Hub
from opcoord.live.pages import DASHBOARD_PAGES
from opcoord.live.pump import LivePump
from opcoord.live.routes import LIVE_ROUTES
from opcoord.maps.routes import MAP_ROUTES
from opcoord.monitoring.http import Monitor
from opcoord.monitoring.routes import ROUTES as MONITORING_ROUTES
from opcoord.operations import routes as operation_routes
from opcoord.operations.alert_pages import ALERT_PAGES
from opcoord.operations.alert_routes import ALERT_ROUTES
from opcoord.operations.imports.routes import ROUTES as IMPORT_ROUTES
from opcoord.operations.operations import load_facts
from opcoord.operations.pages import RETURN_PAGES
from opcoord.operations.review_pages import REVIEW_PAGES
from opcoord.operations.scheduler import scheduler_lifespan
from opcoord.operations.setup_pages import SETUP_PAGES
from opcoord.outbound.routes import ROUTES as OUTBOUND_ROUTES
from opcoord.outbound.worker import outbound_lifespan
from opcoord.report import editions, renderer
from opcoord.report.exchange_routes import ROUTES as EXCHANGE_ROUTES
from opcoord.report.pages import PORTAL_PAGES
from opcoord.report.routes import ROUTES as REPORT_ROUTES

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


BEARER = SecurityScheme(
    type="http",
    scheme="bearer",
    description="An API token: `opcoord users create NAME --role ...` prints one, "
    "`POST /api/users` and `POST /api/users/{username}/token` issue one (shown once), and "
    "`OPCOORD_ADMIN_TOKEN` is the token of the coordinator `admin`.",
)

HANDLERS: list[Any] = [
    *MONITORING_ROUTES,
    *account_pages.PAGES,
    *account_routes.ROUTES,
    *AUDIT_ROUTES,
    *SETUP_PAGES,
    *RETURN_PAGES,
    *REVIEW_PAGES,
    *operation_routes.ROUTES,
    *ALERT_ROUTES,
    *ALERT_PAGES,
    *IMPORT_ROUTES,
    *DASHBOARD_PAGES,
    *LIVE_ROUTES,
    *MAP_ROUTES,
    *PORTAL_PAGES,
    *REPORT_ROUTES,
    *DUPLICATE_ROUTES,
    *OUTBOUND_ROUTES,
    *EXCHANGE_ROUTES,
    *WATCHLIST_ROUTES,
    *HIT_PAGES,
]
#: What the watchlists add to the running totals (``database_hits``).
MORE_TOTALS = (hits.more_totals,)


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
        db = open_database(settings)
        app.state.db = db
        renderer.configure(settings.report_render_processes)
        pump = LivePump(db, app.state.hub, listen_dsn=listen_dsn(settings.database_url))
        app.state.pump = pump
        try:
            if settings.admin_token:
                await ensure_admin(db, settings.admin_token, clock.now())
            await pump.start()
            yield
        finally:
            await pump.stop()
            renderer.stop()  # a report render still running stops with the server
            await db.dispose()

    frontend = frontend_dir(settings)
    # Only the assets are served: the templates are next to them, not under /static.
    static = frontend / "static"
    swagger = SwaggerRenderPlugin(
        js_url="/static/vendor/swagger-ui-dist/swagger-ui-bundle.js",
        css_url="/static/vendor/swagger-ui-dist/swagger-ui.css",
        standalone_preset_js_url="/static/vendor/swagger-ui-dist/swagger-ui-standalone-preset.js",
        path="/swagger",
        favicon="<link rel='icon' type='image/svg+xml' href='/static/favicon.svg'>",
    )
    handlers = list(HANDLERS)
    if static.is_dir():
        handlers.append(
            create_static_files_router(
                path="/static",
                directories=[static],
                include_in_schema=False,
                opt=needs(Rule.public),
            )
        )
    check = make_check(load_facts)
    app = Litestar(
        route_handlers=handlers,
        before_request=check,
        dependencies={
            "db": Provide(web.provide_db, sync_to_thread=False),
            "now": Provide(web.provide_now, sync_to_thread=False),
            "caller": Provide(provide_caller, sync_to_thread=False),
            "more_totals": Provide(_more_totals, sync_to_thread=False),
        },
        # The scheduler's lifespan runs inside the first one: it needs app.state.db.
        lifespan=[
            lifespan,
            duplicates.detector_lifespan(),
            scheduler_lifespan(editions.build_pending, _purge_limits, duplicates.after_run),
            outbound_lifespan(),
            checker_lifespan(),
            *extra_lifespans,
        ],
        # Outermost first: every response gets its request id and security headers; the
        # monitor counts, times and logs each request knowing its id; the reads of one
        # request share one connection.
        middleware=[RequestIds, SecurityHeaders, Monitor, SharedReads],
        # The command line sets up logging (opcoord.monitoring.logs); the app leaves the
        # root logger alone, so that it does not undo that (and tests keep their capture).
        logging_config=None,
        exception_handlers=web.EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title="opcoord",
            version=__version__,
            description="Coordination of joint operations against trafficking in cultural objects.",
            path="/schema",
            render_plugins=[swagger],
            # Every API operation takes the same bearer token (a browser's session cookie
            # works too, but Swagger's Authorize button needs a scheme to offer).
            components=Components(security_schemes={"BearerToken": BEARER}),
            security=[{"BearerToken": []}],
            # The schema's own pages are not part of the API it describes.
            openapi_router=Router(
                path="/schema",
                route_handlers=[],
                opt=needs(Rule.public),
                include_in_schema=False,
            ),
        ),
        request_max_body_size=settings.max_body_bytes,
        template_config=TemplateConfig(
            directory=frontend / "templates", engine=JinjaTemplateEngine
        ),
        on_app_init=[_keep_settings(settings, clock)],
    )
    app.state.settings = settings
    app.state.frontend = frontend
    app.state.clock = clock
    app.state.hub = Hub()
    require_checks(app, check)
    return app


def _more_totals() -> Any:
    return MORE_TOTALS


async def _purge_limits(ctx: Any, now: Any) -> list[str]:
    await limits.purge(ctx.db, now)
    return []


def _keep_settings(settings: Settings, clock: Clock) -> Any:
    def hook(config: AppConfig) -> AppConfig:
        config.state.update({"settings": settings, "clock": clock})
        return config

    return hook
