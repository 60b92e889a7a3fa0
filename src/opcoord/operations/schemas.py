"""Request and response models. Never ``table=True``: table models do not validate."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from opcoord.codes import CountryCode, CurrencyCode, JsonBool, TimeZone
from opcoord.operations.enums import (
    Agency,
    Category,
    Conveyance,
    DayStatus,
    Detection,
    Offence,
    OperationStatus,
    PlaceType,
)
from opcoord.operations.ledger import DayState


def _whole_number(value: Any) -> Any:
    # Checked before pydantic's coercion, which the framework runs in lax mode:
    # a count is a JSON integer, never true, 1.0 or "1".
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    return value


Count = Annotated[int, BeforeValidator(_whole_number), Field(ge=0, le=1_000_000_000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
#: A region's name: printable text, 1 to 64 characters.
Region = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]


class Strict(BaseModel):
    """Unknown fields are refused, so a misspelt counter is an error, not a silent 0."""

    model_config = ConfigDict(extra="forbid")


# --- operations -------------------------------------------------------------------


class OperationCreate(Strict):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{0,31}$")] = Field(
        description="Upper-case letters, digits and dashes, e.g. PANDORA-X."
    )
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    lead: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    partners: list[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    ] = Field(default_factory=list, max_length=50)
    starts_on: date
    ends_on: date
    timezone: TimeZone = Field(
        description="IANA time zone in which the operation's days are counted."
    )
    daily_cutoff: Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = Field(
        description="HH:MM local time on day D+1 by which day D's return is due."
    )

    @model_validator(mode="after")
    def _window(self) -> "OperationCreate":
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on: the window ends before it starts")
        if (self.ends_on - self.starts_on).days > 400:
            raise ValueError("ends_on: a window is at most 400 days")
        return self


class OperationPublic(BaseModel):
    code: str
    name: str
    lead: str
    partners: list[str]
    starts_on: date
    ends_on: date
    timezone: str
    daily_cutoff: str
    status: OperationStatus
    closed_at: datetime | None
    closed_early: bool = Field(description="Closed by a coordinator before its last cut-off.")
    participants: int
    lock_after_days: int | None = Field(
        default=None,
        description="A day's return locks this many days after it was due (null: never).",
    )


# --- participants -----------------------------------------------------------------


class ParticipantCreate(Strict):
    country: CountryCode
    agencies: list[Agency] = Field(min_length=1)
    joins_on: date | None = Field(
        default=None,
        description="First day the country takes part (default: the window's start). "
        "Completeness expects returns only from this day.",
    )
    leaves_on: date | None = None
    region: Region | None = Field(
        default=None,
        description="The coordinators' grouping of the country (e.g. a WCO RILO region); "
        "the summary, dashboard and report break figures down by it.",
        examples=["Western Europe"],
    )

    @field_validator("agencies")
    @classmethod
    def _unique(cls, value: list[Agency]) -> list[Agency]:
        return list(dict.fromkeys(value))


class ParticipantPublic(BaseModel):
    country: str
    name: str
    agencies: list[Agency]
    joins_on: date
    leaves_on: date | None
    region: str | None = None


class ParticipantPatch(Strict):
    region: Region | None = Field(
        description="The country's region (null: none).", examples=["Western Europe"]
    )


# --- daily returns ----------------------------------------------------------------


class Counters(Strict):
    persons_checked: Count = 0
    vehicles_checked: Count = 0
    vessels_checked: Count = 0
    premises_checked: Count = 0
    online_checks: Count = 0
    arrests: Count = 0
    investigations_criminal: Count = 0
    investigations_administrative: Count = 0


class FacilitatingItems(Strict):
    metal_detectors: Count = 0
    excavation_tools: Count = 0


class ObjectDetails(Strict):
    """Object ID fields, where known."""

    object_type: ShortText | None = None
    materials: ShortText | None = None
    period: ShortText | None = None
    maker: ShortText | None = None
    inscriptions: ShortText | None = None
    distinguishing_features: ShortText | None = None


class SeizureIn(Strict):
    ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    category: Category
    hs_code: Annotated[str, StringConstraints(pattern=r"^97\d{2}(\d{2}){0,2}$")] | None = Field(
        default=None, description="HS chapter 97 code: 4, 6 or 8 digits."
    )
    quantity: Annotated[int, BeforeValidator(_whole_number), Field(ge=1, le=100_000_000)]
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    place_type: PlaceType
    place_name: ShortText = ""
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)] | None = None
    conveyance: Conveyance | None = None
    online: JsonBool = False
    origin_country: CountryCode | None = None
    departure_country: CountryCode | None = None
    destination_country: CountryCode | None = None
    estimated_value: (
        Annotated[Decimal, Field(ge=0, le=10**15, decimal_places=2, allow_inf_nan=False)] | None
    ) = None
    currency: CurrencyCode | None = None
    agency: Agency | None = None
    detection: Detection | None = None
    offence: Offence | None = None
    export_certificate: JsonBool | None = None
    stolen_db_match: JsonBool | None = None
    object_details: ObjectDetails | None = None

    @model_validator(mode="after")
    def _pairs(self) -> "SeizureIn":
        if (self.lat is None) != (self.lon is None):
            raise PydanticCustomError("coords_pair", "lat/lon: give both coordinates or neither")
        if self.estimated_value is not None and self.currency is None:
            raise PydanticCustomError(
                "currency_required", "currency: an estimated value needs its currency"
            )
        return self


class ReturnIn(Strict):
    nil_return: JsonBool = False
    counters: Counters = Field(default_factory=Counters)
    facilitating_items: FacilitatingItems = Field(default_factory=FacilitatingItems)
    seizures: list[SeizureIn] = Field(default_factory=list, max_length=5000)
    notes: Annotated[str, StringConstraints(max_length=4000)] = ""
    amendment_reason: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None
    ) = None

    @model_validator(mode="after")
    def _consistent(self) -> "ReturnIn":
        if self.nil_return:
            if self.seizures:
                raise PydanticCustomError("nil_not_empty", "seizures: a nil return has no seizures")
            if any(self.counters.model_dump().values()) or any(
                self.facilitating_items.model_dump().values()
            ):
                raise PydanticCustomError(
                    "nil_not_empty", "counters: a nil return has all counters at 0"
                )
        refs = [s.ref for s in self.seizures]
        if len(refs) != len(set(refs)):
            dup = next(r for r in refs if refs.count(r) > 1)
            raise PydanticCustomError(
                "duplicate_ref",
                "seizures: reference {ref} appears twice in this return",
                {"ref": repr(dup)},
            )
        if self.amendment_reason == "":
            self.amendment_reason = None
        return self


class SeizurePublic(SeizureIn):
    model_config = ConfigDict(extra="ignore")

    estimated_value: int | float | None = None  # type: ignore[assignment]

    @field_validator("estimated_value", mode="before")
    @classmethod
    def _number(cls, value: Any) -> int | float | None:
        if value is None:
            return None
        dec = Decimal(value)
        return int(dec) if dec == dec.to_integral_value() else float(dec)


class ReturnPublic(BaseModel):
    operation: str
    country: str
    day: date
    version: int
    current_version: int
    nil_return: bool
    counters: Counters
    facilitating_items: FacilitatingItems
    seizures: list[SeizurePublic]
    notes: str
    amendment_reason: str | None
    late: bool = Field(description="This version arrived after the day's due time.")
    submitted_at: datetime
    submitted_by: str
    due_at: datetime
    review: "ReviewPublic | None" = Field(
        default=None, description="The coordinators' review of the current version."
    )
    locked: bool = Field(default=False, description="The day refuses changes (its lock).")
    locks_at: datetime | None = Field(default=None, description="When the day locks.")


# --- figures ----------------------------------------------------------------------


class Totals(BaseModel):
    countries_participating: int
    countries_reported: int
    returns: int
    seizures: int
    objects_seized: int
    objects_seized_online: int
    persons_checked: int
    vehicles_checked: int
    vessels_checked: int
    premises_checked: int
    online_checks: int
    arrests: int
    investigations_criminal: int
    investigations_administrative: int
    metal_detectors: int
    excavation_tools: int
    estimated_value: dict[str, int | float]
    objects_by_category: dict[str, int]
    objects_by_country: dict[str, int]
    database_hits: int = Field(
        default=0,
        description="Seizures confirmed by a coordinator to match an object on a watchlist "
        "of stolen objects (a seizure found on two lists counts once).",
    )


class RegionCounts(BaseModel):
    region: str | None = Field(
        description="The region's name; null gathers the countries in no region."
    )
    countries: list[str]
    counts: dict[DayStatus, int] = Field(description="Days of its countries, by status.")


class RegionFigures(RegionCounts):
    totals: Totals = Field(description="The running totals over the region's countries only.")


class Summary(BaseModel):
    operation: str
    status: OperationStatus
    as_of: datetime
    totals: Totals
    regions: list[RegionFigures] = Field(
        default_factory=list,
        description="For coordinators, when participants have a `region`: totals and "
        "completeness per region (countries in no region under null). Empty otherwise.",
    )


class CountryCompleteness(BaseModel):
    country: str
    days: dict[date, DayStatus] = Field(description="Each day the country takes part.")
    states: dict[date, DayState] = Field(
        description="The same days in the day ledger's finer states: upcoming, collecting, "
        "submitted, nil, late, missing, not_expected."
    )
    counts: dict[DayStatus, int]


class Completeness(BaseModel):
    operation: str
    as_of: datetime
    today: date = Field(description="The operation's current day in its time zone.")
    collecting: date | None = Field(
        description="The day being collected: its cut-off is the next one (null when none)."
    )
    last_due: date | None = Field(description="The last day whose cut-off has passed.")
    closed_at: datetime | None
    days: list[date]
    countries: list[CountryCompleteness]
    counts: dict[DayStatus, int]
    regions: list[RegionCounts] = Field(
        default_factory=list,
        description="Completeness per region when participants have a `region` (empty "
        "otherwise), over the caller's countries.",
    )


# --- alerts ----------------------------------------------------------------------


class AlertPriority(StrEnum):
    normal = "normal"
    urgent = "urgent"


class AlertCreate(Strict):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    countries: list[CountryCode] = Field(
        default_factory=list,
        max_length=300,
        description="The countries whose contact points receive it; [] for every "
        "participating country (those that join later included).",
    )
    priority: AlertPriority = AlertPriority.normal

    @field_validator("countries")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


class AlertAckPublic(BaseModel):
    country: str
    acknowledged_by: str
    acknowledged_at: datetime


class AlertPublic(BaseModel):
    id: int
    operation: str
    title: str
    body: str
    priority: AlertPriority
    to_all: bool = Field(description="Sent to every participating country")
    countries: list[str] = Field(
        description="The countries it is for (for a contact point: its own)"
    )
    sent_by: str
    sent_at: datetime
    acknowledged: bool = Field(
        description="For a contact point: whether its country acknowledged it; for a "
        "coordinator: whether every country it is for did"
    )
    acknowledged_at: datetime | None = None
    acknowledgements: list[AlertAckPublic] | None = Field(
        default=None, description="Coordinators only: who acknowledged, and when"
    )
    pending: list[str] | None = Field(
        default=None, description="Coordinators only: the countries that have not acknowledged"
    )


class AlertList(BaseModel):
    alerts: list[AlertPublic]


# --- review and locks ----------------------------------------------------------------


class OperationUpdate(Strict):
    """The editable fields of an operation; those left out keep their value."""

    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    lead: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    partners: (
        list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]]
        | None
    ) = Field(default=None, max_length=50)
    lock_after_days: Annotated[int, BeforeValidator(_whole_number), Field(ge=0, le=400)] | None = (
        Field(
            default=None,
            description="A day's return locks this many days after it was due; null: never.",
        )
    )

    @model_validator(mode="after")
    def _not_null(self) -> "OperationUpdate":
        for name in ("name", "lead", "partners"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise PydanticCustomError("not_null", f"{name}: may not be null")
        return self


class ReviewStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    query = "query"
    on_hold = "on_hold"


class ReviewDecision(StrEnum):
    approved = "approved"
    query = "query"
    on_hold = "on_hold"


class ReviewIn(Strict):
    status: ReviewDecision
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    version: Annotated[int, BeforeValidator(_whole_number), Field(ge=1, le=2**31 - 1)] | None = (
        Field(
            default=None,
            description="The version the coordinator reviewed: 409 unless it is still current.",
        )
    )

    @model_validator(mode="after")
    def _comment(self) -> "ReviewIn":
        if self.status is ReviewDecision.query and not self.comment:
            raise PydanticCustomError(
                "comment_required", "comment: a query needs a comment saying what to check"
            )
        return self


class ReviewPublic(BaseModel):
    status: ReviewStatus
    comment: str | None = None
    by: str | None = None
    at: datetime | None = None
    version: int | None = Field(default=None, description="The version this review was of.")
    modified_since: datetime | None = Field(
        default=None,
        description="When the return was approved, if a newer version has arrived since.",
    )


class UnlockIn(Strict):
    until: AwareDatetime = Field(description="When the exception ends (with its time zone).")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class LockExceptionPublic(BaseModel):
    operation: str
    country: str
    day: date
    until: datetime
    reason: str
    granted_by: str
    granted_at: datetime
    locks_at: datetime | None = Field(description="When the day locks (null: never).")


class ReviewRow(BaseModel):
    country: str
    day: date
    version: int
    submitted_at: datetime
    late: bool
    nil_return: bool
    seizures: int
    objects: int
    amendment_reason: str | None
    review: ReviewPublic


class ReviewQueue(BaseModel):
    operation: str
    counts: dict[ReviewStatus, int] = Field(description="Every return, by review state.")
    returns: list[ReviewRow]


ReturnPublic.model_rebuild()
