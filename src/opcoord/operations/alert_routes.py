"""The alerts API: ``/api/operations/{code}/alerts`` (see ``alerts.py``)."""

from datetime import datetime
from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import JSONBody, PathParameter

from opcoord.accounts.access import Rule, needs
from opcoord.accounts.identity import Caller
from opcoord.db import Database
from opcoord.operations import alerts
from opcoord.operations.schemas import AlertCreate, AlertList, AlertPublic
from opcoord.web import READ, WRITE, Code, err, error_example

CallerDep = NamedDependency[Caller]
DbDep = NamedDependency[Database]
NowDep = NamedDependency[datetime]
AlertId = Annotated[str, PathParameter(description="The alert's id", examples=[Example(value="1")])]
NOT_FOUND = err(
    "No such operation, or no such alert for the caller (a contact point gets 404 for an "
    "alert sent to other countries, as for one that does not exist)",
    example=error_example(404, "id", "no alert 7 in PANDORA-X", "not_found"),
)


class AlertController(Controller):
    path = "/api/operations/{code:str}/alerts"
    tags = ["alerts"]

    @post(
        "/",
        summary="Send an alert to some or all contact points",
        description="`countries: []` sends it to every participating country, those "
        "that join later included. A live event `alert` reaches the contact points it "
        "names and the coordinators. 409 once the operation is closed; 422 naming "
        "`countries` for a country that does not take part.",
        responses={
            **WRITE,
            201: ResponseSpec(AlertPublic, generate_examples=False, description="Alert sent"),
            422: err(
                "Invalid content; `errors` names each offending field",
                example=error_example(
                    422, "countries", "IT does not take part in PANDORA-X", "not_participating"
                ),
            ),
        },
        opt=needs(Rule.send_alert),
    )
    async def send(
        self, caller: CallerDep, db: DbDep, now: NowDep, code: Code, data: JSONBody[AlertCreate]
    ) -> AlertPublic:
        return await alerts.send_alert(db, code, caller, data, now)

    @get(
        "/",
        summary="The operation's alerts, newest first",
        description="Coordinators read every alert with who has acknowledged it "
        "(`acknowledgements`) and who has not (`pending`); a contact point reads only the "
        "alerts sent to its country, and whether its country acknowledged each.",
        responses=READ,
        opt=needs(Rule.watch),
    )
    async def list_all(self, caller: CallerDep, db: DbDep, code: Code) -> AlertList:
        return AlertList(alerts=await alerts.list_alerts(db, code, caller))

    @post(
        "/{alert_id:str}/ack",
        status_code=200,
        summary="Acknowledge an alert (its contact points)",
        description="Its country's first acknowledgement counts; again answers 200 and "
        "changes nothing. A live event `alert_acknowledged` reaches the coordinators. "
        "Coordinators get 403; a contact point gets 404 for an alert not sent to it.",
        responses={**WRITE, 404: NOT_FOUND},
        opt=needs(Rule.watch),
    )
    async def acknowledge(
        self, caller: CallerDep, db: DbDep, now: NowDep, code: Code, alert_id: AlertId
    ) -> AlertPublic:
        return await alerts.acknowledge(db, code, alerts.parse_id(alert_id), caller, now)


ALERT_ROUTES = [AlertController]
