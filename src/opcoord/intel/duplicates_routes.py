"""The duplicates API and the coordinators' page that lists pairs side by side."""

from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post
from litestar.openapi.spec import Example
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.response import Template
from pydantic import BaseModel, ConfigDict, Field

from opcoord.accounts.access import Rule, needs
from opcoord.intel import duplicates
from opcoord.operations.routes import CallerDep, DbDep, NowDep
from opcoord.web import READ, WRITE, Code, err, error_example, page_context

PairPath = Annotated[
    str, PathParameter(description="A pair's id, from the listing", examples=[Example(value="1")])
]


class SeizureShown(BaseModel):
    country: str
    day: str
    ref: str
    category: str
    quantity: int
    description: str
    place_type: str
    place_name: str
    agency: str | None
    origin_country: str | None
    departure_country: str | None
    destination_country: str | None
    estimated_value: int | float | None
    currency: str | None


class PairPublic(BaseModel):
    id: int
    a: SeizureShown = Field(description="The seizure reported first: it keeps the objects")
    b: SeizureShown = Field(description="The other: a merged pair leaves it out of every total")
    score: float = Field(ge=0, le=1)
    status: Literal["pending", "merged", "distinct"]
    decided_at: str | None


class PairList(BaseModel):
    operation: str
    pairs: list[PairPublic]


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["merged", "distinct"] = Field(
        description="`merged`: the same object, counted once; `distinct`: two objects"
    )


NOT_FOUND = {
    404: err(
        "No such operation, or no such pair in it",
        example=error_example(404, "id", "no pair of duplicates 7 in PANDORA-X", "not_found"),
    )
}


class DuplicatesController(Controller):
    path = "/api/operations/{code:str}/duplicates"
    tags = ["intelligence"]

    @get(
        "/",
        responses=READ,
        summary="Pairs of seizures that look like one object reported twice",
        description="Pairs whose two seizures are both in the current version of their "
        "returns, best score first; `?status=` filters.",
        opt=needs(Rule.coordinate),
    )
    async def list_pairs(
        self,
        db: DbDep,
        now: NowDep,
        code: Code,
        status: Annotated[
            str | None,
            QueryParameter(
                description="pending, merged or distinct", examples=[Example(value="pending")]
            ),
        ] = None,
    ) -> PairList:
        return PairList(**await duplicates.list_pairs(db, code, now, status))

    @post(
        "/{pair_id:str}",
        status_code=200,
        responses={**WRITE, **NOT_FOUND},
        summary="Mark a pair merged (counted once) or distinct",
        opt=needs(Rule.coordinate),
    )
    async def decide(
        self,
        caller: CallerDep,
        db: DbDep,
        now: NowDep,
        code: Code,
        pair_id: PairPath,
        data: JSONBody[Decision],
    ) -> PairPublic:
        out = await duplicates.decide(db, caller, code, pair_id, data.status, now)
        return PairPublic(**out)


@get(
    "/operations/{code:str}/duplicates",
    summary="The coordinators' page of duplicates",
    include_in_schema=False,
    opt=needs(Rule.coordinate, page=True),
)
async def duplicates_page(
    request: Request[Any, Any, Any], db: DbDep, now: NowDep, code: Code
) -> Template:
    listing = await duplicates.list_pairs(db, code, now)
    return Template(
        "duplicates.html", context=page_context(request, code=code, pairs=listing["pairs"])
    )


ROUTES = [DuplicatesController, duplicates_page]
