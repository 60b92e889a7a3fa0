"""A watchlist and the seizures that hit it, shared by the intel and backup tests."""

import csv
import io

from opcoord.intel import watchlists

from conftest import seizure

#: The upload's columns, as the server reads them.
COLUMNS = list(watchlists.COLUMNS)
LISTED: list[dict[str, str]] = [
    {
        "object_id": "ICON-1988-0042",
        "category": "religious",
        "title": "Icon of Saint Nicholas the Wonderworker",
        "description": "Icon, Saint Nicholas blessing, with the Gospel book",
        "materials": "tempera on wood, silver riza",
        "period": "17th century",
        "inscriptions": "O AGIOS NIKOLAOS",
        "dimensions": "32 x 25 cm",
        "country_of_theft": "GR",
        "date_of_theft": "2019-03-14",
    },
    {
        "object_id": "COIN-2020-0007",
        "category": "coins",
        "title": "Gold aureus of Hadrian",
        "description": "Roman gold coin, emperor Hadrian, reverse Roma seated",
        "materials": "gold",
        "period": "2nd century",
        "inscriptions": "HADRIANVS AVGVSTVS",
        "dimensions": "19 mm",
        "country_of_theft": "IT",
        "date_of_theft": "2020-11-02",
    },
    {
        "object_id": "PAINT-2015-0100",
        "category": "paintings",
        "title": "Landscape with windmill",
        "description": "Oil on canvas, Dutch landscape with a windmill and skaters",
        "materials": "oil on canvas",
        "period": "1650",
        "inscriptions": "",
        "dimensions": "60 x 80 cm",
        "country_of_theft": "NL",
        "date_of_theft": "2015-01-20",
    },
]
ICON_SEIZED = seizure(
    "GR-ATH-0001",
    category="religious",
    description="Икона Св. Николая Чудотворца, темпера на дереве, XVII в., 32х25 см",
    object_details={"materials": "дерево, темпера", "inscriptions": "О АГИОС НИКОЛАОС"},
)


def csv_bytes(rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()
