"""The partner edition's one redaction policy, applied before any renderer sees the data.

Partners (UNESCO, a RILO, a ministry, a donor) read figures, not cases: the partner
edition keeps no free text that came from a return (case references, descriptions,
place names, notes, object details) and no exact location of places that point at a
person or a site to loot (private premises, archaeological and underwater sites), which
it moves to the reporting country's centroid. Airports, ports and border posts keep
their coordinates, rounded to about a kilometre. Every format (JSON, HTML and its map,
PDF, XLSX, CSV) is built from what this module returns, so none can leak what another
hides.
"""

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from opcoord.maps.outlines import country_centroid

#: Fields of a seizure that are free text written in a return: never in a partner edition.
FREE_TEXT = frozenset(
    {"ref", "description", "place_name", "notes", "object_details", "watchlist_hits"}
)
#: Places whose coordinates would point at a person or a site: moved to the country.
SENSITIVE_PLACES = frozenset({"private_premises", "archaeological_site", "underwater_site"})
DECIMALS = 2  # ~1 km


def partner_seizure(row: Mapping[str, Any]) -> dict[str, Any]:
    """One seizure as a partner may read it."""
    out = {k: (None if k in FREE_TEXT else v) for k, v in row.items()}
    lat, lon = out.get("lat"), out.get("lon")
    if lat is None or lon is None:
        return out
    if out.get("place_type") in SENSITIVE_PLACES:
        centre = country_centroid(str(out.get("country") or ""))
        out["lat"], out["lon"] = centre if centre is not None else (None, None)
        out["location_coarsened"] = True
    else:
        out["lat"], out["lon"] = round(float(lat), DECIMALS), round(float(lon), DECIMALS)
    return out


def partner_seizures(rows: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    return (partner_seizure(r) for r in rows)


def partner_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """The partners' edition of a report's JSON."""
    out = dict(report)
    out["audience"] = "partner"
    out["highlights"] = [partner_seizure(h) for h in report.get("highlights", [])]
    return out
