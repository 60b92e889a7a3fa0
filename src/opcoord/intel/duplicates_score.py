"""How much two seizures look like one object reported twice: a score from 0 to 1.

Pure: the detector (``duplicates.py``) and the quality benchmark call the same function
on the same plain values. Candidates are blocked before scoring (same category, days at
most ``WINDOW_DAYS`` apart), so a check never grows with the whole operation.
"""

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from opcoord.intel.duplicates_text import similarity

#: Days either side of a seizure within which another may be the same object.
WINDOW_DAYS = 7
#: A pair is listed from this score up.
THRESHOLD = 0.86
#: Below this description similarity nothing else can make a pair.
DESCRIPTION_FLOOR = 0.55
WEIGHTS = {"description": 0.35, "quantity": 0.3, "route": 0.25, "days": 0.05, "value": 0.05}


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the score reads of a seizure."""

    country: str
    ref: str
    day: date
    category: str
    quantity: int
    description: str
    origin_country: str | None = None
    departure_country: str | None = None
    destination_country: str | None = None
    estimated_value: Decimal | float | None = None
    currency: str | None = None

    def route(self) -> set[str]:
        return {
            c for c in (self.origin_country, self.departure_country, self.destination_country) if c
        }


def _ratio(x: float, y: float) -> float:
    if x == y:
        return 1.0
    if x <= 0 or y <= 0:
        return 0.0
    return min(x, y) / max(x, y)


def _route(a: Candidate, b: Candidate) -> float:
    """1 when the reports agree on the route and one country lies on the other's route,
    0.5 when nothing is known, less as they disagree."""
    # Summed in the order of the marks (origin, destination, link): the same float as
    # averaging them, without a list or a set per pair (every pair in a band comes here).
    total, marks = 0.0, 0
    if a.origin_country and b.origin_country:
        total += 1.0 if a.origin_country == b.origin_country else 0.0
        marks += 1
    if a.destination_country and b.destination_country:
        total += 1.0 if a.destination_country == b.destination_country else 0.0
        marks += 1
    if a.country != b.country:
        mine, theirs = a.route(), b.route()
        linked = b.country in mine or a.country in theirs
        total += 1.0 if linked else (0.0 if mine and theirs else 0.5)
        marks += 1
    return total / marks if marks else 0.5


def _quantity(a: int, b: int) -> float:
    """1 for the same count; 0.75 for a count off by one (or 5 %); little otherwise."""
    if a == b:
        return 1.0
    if abs(a - b) <= max(1, 0.05 * max(a, b)):
        return 0.75
    return 0.5 * _ratio(a, b) ** 3


def _value(a: Candidate, b: Candidate) -> float:
    if a.estimated_value is None or b.estimated_value is None or a.currency != b.currency:
        return 0.5
    return _ratio(float(a.estimated_value), float(b.estimated_value))


def blocked(a: Candidate, b: Candidate) -> bool:
    """Whether two seizures may be compared at all."""
    return (
        a.category == b.category
        and abs((a.day - b.day).days) <= WINDOW_DAYS
        and (a.country, a.ref) != (b.country, b.ref)
    )


def cheap_parts(a: Candidate, b: Candidate) -> tuple[float, float, float, float]:
    """The weighted parts other than the description: cheap, read before it."""
    return (
        WEIGHTS["quantity"] * _quantity(a.quantity, b.quantity),
        WEIGHTS["route"] * _route(a, b),
        WEIGHTS["days"] * (1.0 - abs((a.day - b.day).days) / (WINDOW_DAYS + 1)),
        WEIGHTS["value"] * _value(a, b),
    )


def score(a: Candidate, b: Candidate) -> float:
    """The likeness of two blocked seizures, 0 to 1 (rounded to three places)."""
    description = similarity(a.description, b.description)
    if description < DESCRIPTION_FLOOR:
        return round(description * WEIGHTS["description"], 3)
    return round(sum((WEIGHTS["description"] * description, *cheap_parts(a, b))), 3)


def quantity_band(quantity: int, threshold: float = THRESHOLD) -> tuple[int, int] | None:
    """The counts another seizure must have to reach ``threshold`` with one of
    ``quantity`` objects, or None when any count may (then nothing narrows the search).

    Every other part at its best leaves the count to make up the rest; a count that is
    neither the same nor off by one (or 5 %) scores at most 0.5, which under the
    weights as they are does not make it up. The detector asks the database only for
    seizures in the band, so its work follows the likely duplicates, not the size of
    the operation.
    """
    best_others = sum(w for k, w in WEIGHTS.items() if k != "quantity")
    needed = (threshold - 0.0005 - best_others) / WEIGHTS["quantity"]
    if needed <= 0.5:  # a count far off could still be made up
        return None
    # |a - b| <= max(1, 5 % of the larger): the band, rounded outwards (the score
    # decides exactly; the band only has to hold every count that may reach it).
    low = quantity - max(1, math.ceil(0.05 * quantity))
    high = max(quantity + 1, math.floor(quantity / 0.95) + 1)
    return low, high


def score_from(a: Candidate, b: Candidate, threshold: float) -> float | None:
    """``score(a, b)`` when it reaches ``threshold``, else None.

    The same decision as comparing ``score`` with the threshold, made cheaper: the
    description's similarity (most of the cost) is computed only when a perfect one
    could still lift the pair to the threshold. Two reports of one object agree on
    their counts, so most pairs of an operation stop here.
    """
    # Half a unit of the third place is what rounding can add.
    if WEIGHTS["description"] + sum(cheap_parts(a, b)) < threshold - 0.0005:
        return None
    value = score(a, b)
    return value if value >= threshold else None


def ordered(a: Candidate, b: Candidate) -> tuple[Candidate, Candidate]:
    """The pair in its stored order: the seizure reported first is ``a`` (it keeps the
    objects when the pair is merged)."""
    return (a, b) if (a.day, a.country, a.ref) <= (b.day, b.country, b.ref) else (b, a)
