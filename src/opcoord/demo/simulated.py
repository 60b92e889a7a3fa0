"""What the demo's contact points submit: returns whose facts hang together.

An online seizure is made online; one at an airport arrived by air, at a port by sea, at
a land border by road or rail, in a postal centre by post or courier. Places are real
(``places.py``); each kind of goods is seized where it usually is, with quantities and
values in proportion (a value is a quantity times a price per object of that kind, in the
country's currency). Counters follow the size of the country; arrests and investigations
follow seizures; metal detectors are found at looted sites. Most returns arrive before
the cut-off, a few late, a very few never; a few are replaced or amended afterwards.
"""

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from opcoord.demo.places import CONVEYANCES, CROSSINGS, PLACES, Place
from opcoord.operations.enums import Agency, Category, Detection, Offence, PlaceType
from opcoord.operations.schemas import ReturnIn

C = Category
AIR, SEA, BORDER, POST = (
    PlaceType.airport,
    PlaceType.seaport,
    PlaceType.land_border,
    PlaceType.postal_centre,
)
AUCTION, INLAND, SITE, ONLINE = (
    PlaceType.auction_house,
    PlaceType.inland,
    PlaceType.archaeological_site,
    PlaceType.online,
)


@dataclass(frozen=True, slots=True)
class Goods:
    category: Category
    hs_code: str
    quantity: tuple[int, int]  # objects in one seizure, low to high
    price: tuple[float, float]  # euros per object, low to high
    kinds: tuple[tuple[str, tuple[str, ...]], ...]  # (description, countries of origin)
    seized_at: frozenset[PlaceType]


def _g(
    category: Category,
    hs: str,
    quantity: tuple[int, int],
    price: tuple[float, float],
    kinds: tuple[tuple[str, tuple[str, ...]], ...],
    *at: PlaceType,
) -> Goods:
    return Goods(category, hs, quantity, price, kinds, frozenset(at))


GOODS: tuple[Goods, ...] = (
    _g(C.coins, "970531", (1, 400), (80, 2500), (
        ("Roman bronze coins", ("IT", "ES", "BG", "TR")),
        ("Greek silver tetradrachms", ("GR", "TR", "CY")),
        ("Byzantine gold solidi", ("TR", "GR", "BG")),
    ), AIR, POST, BORDER, AUCTION, ONLINE, SITE),
    _g(C.archaeological, "970510", (1, 80), (150, 4000), (
        ("terracotta oil lamps, Roman period", ("IT", "TR", "EG", "CY")),
        ("Bronze Age axe heads and arrowheads", ("BG", "GR", "ES")),
        ("faience ushabti figurines", ("EG",)),
        ("cuneiform clay tablets", ("IQ", "SY")),
    ), AIR, SEA, POST, BORDER, ONLINE, SITE, AUCTION),
    _g(C.paintings, "970111", (1, 4), (4000, 180000), (
        ("oil on canvas, Spanish school, 18th century", ("ES",)),
        ("oil on panel, Flemish school, 17th century", ("BE", "NL")),
        ("watercolours, Italian school, 19th century", ("IT",)),
    ), AIR, BORDER, AUCTION, INLAND),
    _g(C.sculptures, "970310", (1, 3), (3000, 90000), (
        ("marble head, Roman period", ("IT", "TR", "GR")),
        ("bronze statuette of a deity", ("EG", "GR", "IT")),
        ("limestone relief fragment", ("EG", "SY")),
    ), SEA, AIR, AUCTION, INLAND),
    _g(C.religious, "970690", (1, 12), (800, 25000), (
        ("Orthodox icons, tempera on wood, 18th-19th century", ("GR", "BG", "CY")),
        ("liturgical silver chalice and paten", ("ES", "IT")),
        ("polychrome carved wooden saint", ("ES", "PT")),
    ), BORDER, AIR, POST, ONLINE),
    _g(C.manuscripts, "970610", (1, 20), (800, 30000), (
        ("illuminated Qur'an leaves", ("TR", "EG", "IQ")),
        ("Hebrew manuscripts on parchment", ("ES", "IT", "TR")),
        ("16th-century printed books", ("ES", "PT", "IT")),
    ), AIR, POST, AUCTION, ONLINE),
    _g(C.ceramics, "970510", (1, 25), (400, 9000), (
        ("Apulian red-figure vases", ("IT",)),
        ("amphorae with marine concretions", ("GR", "CY", "TR", "IT")),
        ("Iznik tiles", ("TR",)),
    ), SEA, AIR, AUCTION),
    _g(C.weapons, "970510", (1, 6), (900, 12000), (
        ("flintlock pistols, 18th century", ("FR", "ES", "TR")),
        ("Iron Age sword and spearheads", ("BG", "ES", "GR")),
    ), BORDER, AIR, POST, ONLINE),
    _g(C.furniture, "970690", (1, 2), (2500, 35000), (
        ("baroque walnut cabinet", ("IT", "ES", "FR")),
        ("painted dowry chest", ("GR", "PT")),
    ), SEA, BORDER, AUCTION),
    _g(C.musical_instruments, "970690", (1, 2), (6000, 250000), (
        ("violin attributed to an 18th-century Italian maker", ("IT",)),
        ("lute, 17th century", ("ES", "TR")),
    ), AIR, AUCTION),
    _g(C.fossils, "970529", (2, 60), (40, 1500), (
        ("ammonites and trilobites", ("MA",)),
        ("dinosaur eggs", ("CN", "MN")),
    ), POST, AIR, ONLINE),
    _g(C.ethnographic, "970510", (1, 10), (300, 7000), (
        ("pre-Columbian textiles", ("PE",)),
        ("Dogon wooden masks", ("ML",)),
    ), AIR, POST, AUCTION, ONLINE),
)  # fmt: skip

#: Where a seizure happens, by weight (online is a place of every country).
WHERE = {AIR: 30, POST: 20, ONLINE: 15, BORDER: 12, SEA: 10, AUCTION: 8, SITE: 5, INLAND: 3}
#: Countries' currencies other than the euro, with euros' worth.
CURRENCIES = {"CH": ("CHF", 0.95), "TR": ("TRY", 45.0), "EG": ("EGP", 55.0)}
#: How many people a country's services check on a day, roughly.
CHECKS = {"ES": 2400, "FR": 2600, "IT": 2200, "DE": 2800, "TR": 2000, "EG": 1500, "GR": 900,
          "NL": 1200, "PT": 700, "BG": 600, "CH": 800, "CY": 250}  # fmt: skip
MARKETS = ("CH", "DE", "FR", "GB", "US", "AE", "BE", "NL")
HUBS = ("TR", "AE", "LB", "MA", "US", "GB")


def _between(rng: random.Random, low: float, high: float) -> float:
    """Log-uniform: small values commoner than large ones, as in seizures."""
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _place(rng: random.Random, cc: str) -> tuple[PlaceType, Place | None]:
    have = {p.type for p in PLACES[cc]} | {ONLINE}
    kinds = [t for t in WHERE if t in have]
    kind = rng.choices(kinds, weights=[WHERE[t] for t in kinds])[0]
    if kind == ONLINE:
        return kind, None
    return kind, rng.choice([p for p in PLACES[cc] if p.type == kind])


def _route(rng: random.Random, cc: str, where: Place | None, origin: str) -> dict[str, Any]:
    if where is None or where.type not in CROSSINGS:
        return {"departure_country": None, "destination_country": None}
    if where.across is not None:
        return {"departure_country": where.across, "destination_country": cc}
    if rng.random() < 0.6:  # coming in
        source = origin if origin != cc else rng.choice(HUBS)
        return {"departure_country": source, "destination_country": cc}
    return {
        "departure_country": cc,
        "destination_country": rng.choice([m for m in MARKETS if m != cc]),
    }


def _circumstances(kind: PlaceType, rng: random.Random) -> dict[str, Any]:
    if kind == ONLINE:
        return {"agency": Agency.police, "detection": Detection.online_monitoring,
                "offence": Offence.other}  # fmt: skip
    if kind == SITE:
        return {"agency": Agency.police, "detection": Detection.intelligence,
                "offence": Offence.illicit_excavation}  # fmt: skip
    if kind == AUCTION:
        return {"agency": Agency.police, "detection": Detection.intelligence,
                "offence": rng.choice([Offence.theft, Offence.no_export_certificate])}  # fmt: skip
    detection = rng.choice([Detection.risk_profiling, Detection.x_ray, Detection.random_check])
    offence = rng.choice(
        [Offence.smuggling, Offence.false_declaration, Offence.no_export_certificate]
    )
    return {"agency": Agency.customs, "detection": detection, "offence": offence}


def seizure(rng: random.Random, cc: str, ref: str) -> dict[str, Any]:
    """One seizure by ``cc``'s services, every field consistent with the others."""
    kind, where = _place(rng, cc)
    goods = rng.choice([g for g in GOODS if kind in g.seized_at])
    description, origins = rng.choice(goods.kinds)
    origin = rng.choice(origins)
    low, high = goods.quantity
    quantity = max(1, min(high, round(_between(rng, low, high + 0.99))))
    out: dict[str, Any] = {
        "ref": ref,
        "category": goods.category,
        "hs_code": goods.hs_code,
        "quantity": quantity,
        "description": description,
        "place_type": kind,
        "place_name": where.name if where else "online marketplace (cyber patrol)",
        "online": kind == ONLINE,
        "conveyance": rng.choice(CONVEYANCES[kind]) if kind in CONVEYANCES else None,
        "origin_country": origin,
        **_route(rng, cc, where, origin),
        **_circumstances(kind, rng),
    }
    if where is not None:
        out["lat"], out["lon"] = where.lat, where.lon
    if rng.random() < 0.85:  # most seizures are valued
        currency, rate = CURRENCIES.get(cc, ("EUR", 1.0))
        value = quantity * _between(rng, *goods.price) * rate
        out["estimated_value"] = round(value, -1 if value < 10_000 else -2)
        out["currency"] = currency
    return out


def return_body(rng: random.Random, cc: str, seizures: list[dict[str, Any]]) -> dict[str, Any]:
    """A day's return of ``cc`` with ``seizures``: counters in proportion."""
    persons = round(CHECKS[cc] * rng.uniform(0.6, 1.4))
    on_site = sum(1 for s in seizures if s["place_type"] == SITE)
    return {
        "counters": {
            "persons_checked": persons,
            "vehicles_checked": round(persons * rng.uniform(0.15, 0.3)),
            "vessels_checked": rng.randint(0, 6) if any(p.type == SEA for p in PLACES[cc]) else 0,
            "premises_checked": rng.randint(0, 5),
            "online_checks": rng.randint(10, 80),
            "arrests": sum(rng.random() < 0.25 for _ in seizures),
            "investigations_criminal": sum(rng.random() < 0.45 for _ in seizures),
            "investigations_administrative": sum(rng.random() < 0.3 for _ in seizures),
        },
        "facilitating_items": {
            "metal_detectors": sum(rng.randint(1, 2) for _ in range(on_site)),
            "excavation_tools": sum(rng.randint(1, 5) for _ in range(on_site)),
        },
        "seizures": seizures,
    }


@dataclass(frozen=True, slots=True)
class Planned:
    """A submission a contact point will make: when, for which day, what."""

    at: datetime
    country: str
    day: date
    body: ReturnIn


def _local(day: date, hour: float, tz: ZoneInfo) -> datetime:
    moment = datetime.combine(day, time(0), tzinfo=tz) + timedelta(hours=hour)
    return moment.astimezone(ZoneInfo("UTC"))


def _amended(rng: random.Random, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The same return corrected: a recount, or a value set by an expert."""
    seizures = [dict(s) for s in body["seizures"]]
    s = rng.choice(seizures)
    if s.get("estimated_value") and rng.random() < 0.5:
        s["estimated_value"] = round(float(s["estimated_value"]) * rng.uniform(0.6, 1.6), -1)
        reason = "value appraised by an expert of the ministry of culture"
    else:
        s["quantity"] = max(1, s["quantity"] + rng.choice([-2, -1, 1, 2, 3]))
        reason = f"recount of seizure {s['ref']} at the depot"
    return {**body, "seizures": seizures}, reason


def plan(
    rng: random.Random, countries: list[str], days: list[date], tz: str, cutoff_hour: float
) -> list[Planned]:
    """Every submission of the operation, in the order they are made."""
    zone, out = ZoneInfo(tz), []
    serials = dict.fromkeys(countries, 0)
    for cc in countries:
        for day in days:
            luck = rng.random()
            if luck < 0.03:
                continue  # never sent: the day goes missing
            late = luck > 0.93
            first = (
                rng.uniform(cutoff_hour + 0.3, cutoff_hour + 9)
                if late
                else rng.uniform(16.0 - 24, cutoff_hour - 0.5)
            )
            at = _local(day + timedelta(days=1), first, zone)
            if rng.random() < 0.12:
                out.append(Planned(at, cc, day, ReturnIn(nil_return=True)))
                continue
            count = rng.choices([0, 1, 2, 3], weights=[55, 28, 12, 5])[0]
            seizures = []
            for _ in range(count):
                serials[cc] += 1
                seizures.append(seizure(rng, cc, f"{cc}-{day:%m%d}-{serials[cc]:03d}"))
            body = return_body(rng, cc, seizures)
            out.append(Planned(at, cc, day, ReturnIn.model_validate(body)))
            if seizures and rng.random() < 0.08:
                fixed, reason = _amended(rng, body)
                later = _local(day + timedelta(days=1), rng.uniform(cutoff_hour + 1, 20), zone)
                amendment = ReturnIn.model_validate({**fixed, "amendment_reason": reason})
                out.append(Planned(max(later, at + timedelta(hours=1)), cc, day, amendment))
    return sorted(out, key=lambda p: (p.at, p.country))
