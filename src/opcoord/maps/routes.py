"""The map of seizures: the page, its map frame, and the GeoJSON of the API."""

from datetime import date
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import QueryParameter
from litestar.response import Stream, Template

from opcoord.accounts import access
from opcoord.accounts.access import Rule, needs
from opcoord.accounts.guard import caller_of_request
from opcoord.audit import log as audit
from opcoord.db import Database
from opcoord.maps import points
from opcoord.maps.builder import build_map
from opcoord.maps.outlines import outlines_json
from opcoord.operations.enums import Category
from opcoord.operations.models import Operation
from opcoord.operations.operations import load
from opcoord.web import READ, Code, page_context, page_lang

From = Annotated[
    date | None, QueryParameter(name="from", required=False, description="First day (inclusive)")
]
To = Annotated[
    date | None, QueryParameter(name="to", required=False, description="Last day (inclusive)")
]
Categories = Annotated[
    list[str] | None,
    QueryParameter(required=False, description="Categories, repeated or comma-separated"),
]
Countries = Annotated[
    list[str] | None,
    QueryParameter(
        required=False, description="Reporting countries (ISO alpha-2), repeated or comma-separated"
    ),
]
Embed = Annotated[
    bool, QueryParameter(required=False, description="Map only, for a dashboard panel")
]


@get(
    "/api/operations/{code:str}/seizures.geojson",
    media_type="application/geo+json",
    tags=["map"],
    summary="Seizures with coordinates as a GeoJSON FeatureCollection (streamed)",
    description="A regional coordinator gets the seizures of its own countries only.",
    responses=READ,
    opt=needs(Rule.oversee),
)
async def seizures_geojson(
    request: Request[Any, Any, Any],
    code: Code,
    day_from: From = None,
    day_to: To = None,
    category: Categories = None,
    country: Countries = None,
) -> Stream:
    db: Database = request.app.state.db
    filt = points.MapFilter.parse(day_from, day_to, category, country).seen_by(
        access.scope(caller_of_request(request))
    )
    async with db.read() as session:
        op = await load(session, code)
    assert op.id is not None
    now = request.app.state.clock.now()
    query = request.url.query or ""
    await audit.record_alone(
        db, "geojson.download", now, stream_id=op.id, operation=op.code, object=query or "all"
    )
    return Stream(
        points.geojson_chunks(db, op, filt),
        media_type="application/geo+json",
        headers={"Content-Disposition": f'inline; filename="{op.code}-seizures.geojson"'},
    )


async def _map_request(
    request: Request[Any, Any, Any],
    code: str,
    day_from: date | None,
    day_to: date | None,
    category: list[str] | None,
    country: list[str] | None,
) -> tuple[Operation, points.MapFilter]:
    """What both map pages read first: the operation and a valid filter (narrowed to the
    caller's countries)."""
    filt = points.MapFilter.parse(day_from, day_to, category, country).seen_by(
        access.scope(caller_of_request(request))
    )
    db: Database = request.app.state.db
    async with db.read() as session:
        op = await load(session, code)
    return op, filt


MAP_PAGE = needs(Rule.oversee, page=True)


@get("/operations/{code:str}/map", include_in_schema=False, opt=MAP_PAGE)
async def map_page(
    request: Request[Any, Any, Any],
    code: Code,
    day_from: From = None,
    day_to: To = None,
    category: Categories = None,
    country: Countries = None,
) -> Response[Any]:
    op, filt = await _map_request(request, code, day_from, day_to, category, country)
    query = request.url.query or ""
    return Template(
        "map.html",
        context=page_context(
            request,
            op=op,
            filter=filt,
            frame=f"/operations/{op.code}/map/frame" + (f"?{query}" if query else ""),
            categories=list(Category.__members__),
        ),
    )


@get("/operations/{code:str}/map/frame", include_in_schema=False, opt=MAP_PAGE)
async def map_frame(
    request: Request[Any, Any, Any],
    code: Code,
    day_from: From = None,
    day_to: To = None,
    category: Categories = None,
    country: Countries = None,
    embed: Embed = False,
) -> Response[Any]:
    op, filt = await _map_request(request, code, day_from, day_to, category, country)
    db: Database = request.app.state.db
    lang = page_lang(request)
    html = build_map(
        await points.points(db, op, filt),
        objects_by_country=await points.objects_by_country(db, op, filt),
        tile_url=request.app.state.settings.tile_url,
        title=lang.gettext("Seizures · %(code)s", code=op.code),
        lang=lang.code,
        compact=embed,
        window=(op.starts_on, op.ends_on),
    )
    return Response(html, media_type="text/html; charset=utf-8")


@get(
    "/geo/countries.geojson",
    include_in_schema=False,
    media_type="application/geo+json",
    cache=3600,
    opt=needs(Rule.public),
)
async def country_outlines() -> Response[Any]:
    """The country outlines shipped with the app, for pages that draw their own map."""
    return Response(outlines_json(), media_type="application/geo+json")


MAP_ROUTES = [seizures_geojson, map_page, map_frame, country_outlines]
