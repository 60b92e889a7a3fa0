"""Closed vocabularies of the domain (see API.md). Stored as plain strings, never native ENUMs."""

from enum import StrEnum


class Agency(StrEnum):
    customs = "customs"
    police = "police"
    border_guard = "border_guard"
    ministry_of_culture = "ministry_of_culture"
    other = "other"


class Category(StrEnum):
    archaeological = "archaeological"
    coins = "coins"
    paintings = "paintings"
    sculptures = "sculptures"
    religious = "religious"
    manuscripts = "manuscripts"
    ceramics = "ceramics"
    weapons = "weapons"
    furniture = "furniture"
    musical_instruments = "musical_instruments"
    fossils = "fossils"
    ethnographic = "ethnographic"
    other = "other"


class PlaceType(StrEnum):
    airport = "airport"
    seaport = "seaport"
    land_border = "land_border"
    postal_centre = "postal_centre"
    inland = "inland"
    auction_house = "auction_house"
    private_premises = "private_premises"
    archaeological_site = "archaeological_site"
    underwater_site = "underwater_site"
    online = "online"


class Conveyance(StrEnum):
    air_passenger = "air_passenger"
    air_cargo = "air_cargo"
    postal = "postal"
    express_courier = "express_courier"
    vehicle = "vehicle"
    rail = "rail"
    vessel = "vessel"
    pedestrian = "pedestrian"
    online = "online"


class Detection(StrEnum):
    risk_profiling = "risk_profiling"
    random_check = "random_check"
    x_ray = "x_ray"
    intelligence = "intelligence"
    online_monitoring = "online_monitoring"
    other = "other"


class Offence(StrEnum):
    smuggling = "smuggling"
    no_export_certificate = "no_export_certificate"
    false_declaration = "false_declaration"
    theft = "theft"
    illicit_excavation = "illicit_excavation"
    other = "other"


class OperationStatus(StrEnum):
    planned = "planned"
    active = "active"
    closed = "closed"


class DayStatus(StrEnum):
    """The API's completeness vocabulary for one country's day (see ``ledger.DayState``,
    of which it is the coarse view)."""

    submitted = "submitted"
    nil = "nil"
    late = "late"
    missing = "missing"
    not_due = "not_due"


COUNTERS: tuple[str, ...] = (
    "persons_checked",
    "vehicles_checked",
    "vessels_checked",
    "premises_checked",
    "online_checks",
    "arrests",
    "investigations_criminal",
    "investigations_administrative",
)
FACILITATING: tuple[str, ...] = ("metal_detectors", "excavation_tools")
