"""The map of seizures: the page, its map frame, and the GeoJSON of the API."""

from datetime import date
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import PathParameter, QueryParameter
from litestar.response import Stream, Template

from opcoord.auth import Caller
from opcoord.db import Database
from opcoord.live.geo import outlines_json
from opcoord.live.mapbuilder import build_map
from opcoord.operations import access, seizures
from opcoord.operations.models import Operation
from opcoord.operations.operations import load
from opcoord.operations.routes import COMMON, CallerDep, DbDep, _err
from opcoord.pages import page_caller, page_context, to_signin

Code = Annotated[str, PathParameter(description="Operation code")]
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


@get(
    "/api/operations/{code:str}/seizures.geojson",
    media_type="application/geo+json",
    tags=["map"],
    summary="Seizures with coordinates as a GeoJSON FeatureCollection (streamed)",
    responses={**COMMON, 404: _err("No such operation"), 422: _err("Bad filter")},
)
async def seizures_geojson(
    caller: CallerDep,
    db: DbDep,
    code: Code,
    day_from: From = None,
    day_to: To = None,
    category: Categories = None,
    country: Countries = None,
) -> Stream:
    access.require_coordinator(caller)
    filt = seizures.MapFilter.parse(day_from, day_to, category, country)
    async with db.read() as session:
        op = await load(session, code)
    return Stream(
        seizures.geojson_chunks(db, op, filt),
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
) -> tuple[Caller, Operation, seizures.MapFilter] | Response[Any]:
    """What both map pages check first: signed in, a coordinator, a valid filter."""
    caller = await page_caller(request)
    if caller is None:
        return to_signin(request)
    access.require_coordinator(caller)
    filt = seizures.MapFilter.parse(day_from, day_to, category, country)
    db: Database = request.app.state.db
    async with db.read() as session:
        op = await load(session, code)
    return caller, op, filt


@get("/operations/{code:str}/map", include_in_schema=False)
async def map_page(
    request: Request[Any, Any, Any],
    code: Code,
    day_from: From = None,
    day_to: To = None,
    category: Categories = None,
    country: Countries = None,
) -> Response[Any]:
    found = await _map_request(request, code, day_from, day_to, category, country)
    if isinstance(found, Response):
        return found
    caller, op, filt = found
    query = request.url.query or ""
    return Template(
        "map.html",
        context=await page_context(
            request,
            caller,
            op=op,
            filter=filt,
            frame=f"/operations/{op.code}/map/frame" + (f"?{query}" if query else ""),
            categories=list(seizures.Category.__members__),
        ),
    )


@get("/operations/{code:str}/map/frame", include_in_schema=False)
async def map_frame(
    request: Request[Any, Any, Any],
    code: Code,
    day_from: From = None,
    day_to: To = None,
    category: Categories = None,
    country: Countries = None,
) -> Response[Any]:
    found = await _map_request(request, code, day_from, day_to, category, country)
    if isinstance(found, Response):
        return found
    _, op, filt = found
    db: Database = request.app.state.db
    html = build_map(
        await seizures.points(db, op, filt),
        objects_by_country=await seizures.objects_by_country(db, op, filt),
        tile_url=request.app.state.settings.tile_url,
        title=f"{op.code} seizures",
    )
    return Response(html, media_type="text/html; charset=utf-8")


@get(
    "/geo/countries.geojson", include_in_schema=False, media_type="application/geo+json", cache=3600
)
async def country_outlines() -> Response[Any]:
    """The country outlines shipped with the app, for pages that draw their own map."""
    return Response(outlines_json(), media_type="application/geo+json")


MAP_ROUTES = [seizures_geojson, map_page, map_frame, country_outlines]
