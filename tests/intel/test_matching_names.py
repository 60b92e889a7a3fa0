"""Names (saints, gods, emperors) tie a seizure to its listed object across languages.

The examples are an analyst's, not the benchmark's: each seizure names whom its object
shows the way an officer in Moscow, Athens, Madrid or Munich would, and the list holds,
beside the object seized, one of the same kind, material and measures that shows
someone else: the measures alone must not make it the seizure.
"""

from typing import Any

import pytest
from litestar.testing import TestClient
from test_watchlists_api import DAY, csv_bytes, setup_greece, upload, wait_hits

from opcoord.intel.matching import Described, Index, describe
from opcoord.intel.matching_text import words

from conftest import ADMIN, Api


def listed(category: str, title: str, materials: str, dimensions: str) -> Described:
    return describe(
        category=category,
        texts=(title, title),
        materials=materials,
        period=None,
        dimensions=(dimensions,),
    )


def seized(category: str, text: str) -> Described:
    return describe(category=category, texts=(text,), dimensions=(text,))


OTHERS = (
    "Saint Spyridon", "Saint Basil", "Saint Catherine", "Saint Sergius", "Poseidon",
    "Artemis", "Asclepius", "Eros", "Nero", "Vespasian", "Saint Barbara", "Saint Gregory",
    "Saint Cyril", "Saint Anthony", "Orpheus", "Perseus", "Theseus", "Augustus",
    "Saint Stephen", "Hadrian",
)  # fmt: skip
KINDS = (
    ("religious", "Icon", "tempera on wood"),
    ("sculptures", "Statuette", "bronze"),
    ("coins", "Tetradrachm", "silver"),
)
#: Other objects of the list, so that it is long enough to tell a rare word.
FILLER = [
    listed(category, f"{kind} of {name}", material, f"{30 + i} x {70 + 2 * i} cm")
    for i, ((category, kind, material), name) in enumerate(
        (k, name) for k in KINDS for name in OTHERS
    )
]

# (category, listed title, material, dimensions, the seizure as written, someone else)
CASES = [
    ("sculptures", "Bronze statuette of Herakles with the lion skin", "bronze", "24 x 9 cm",
     "Статуэтка Геракла, бронза, 24х9 см", "Apollo"),
    ("religious", "Icon of Saint Demetrius on horseback", "tempera on wood", "31 x 26 cm",
     "Εικόνα του Αγίου Δημητρίου, αυγοτέμπερα σε ξύλο, 31x26 εκ.", "Saint Theodore"),
    ("religious", "Icon of Saint Panteleimon the Healer", "tempera on wood", "44 x 35 cm",
     "Icono de San Pantaleón, temple sobre madera, 44x35 cm", "Saint Paraskeva"),
    ("sculptures", "Marble head of Aphrodite", "marble", "28 x 20 cm",
     "Kopf der Venus, Marmor, 28 x 20 cm", "Zeus"),
    ("religious", "Icon of John the Baptist", "tempera on wood", "52 x 41 cm",
     "Икона Иоанна Предтечи, темпера на дереве, 52х41 см", "Saint Nicholas"),
    ("coins", "Silver denarius of Trajan", "silver", "19 mm",
     "Denario d'argento dell'imperatore Traiano, 19 mm", "Caracalla"),
    ("sculptures", "Terracotta head of Hera", "terracotta", "17 x 12 cm",
     "Терракотовая голова Геры, 17х12 см", "Athena"),
]  # fmt: skip


@pytest.mark.parametrize(("category", "title", "material", "dims", "text", "other"), CASES)
def test_a_seizure_naming_the_listed_figure_in_another_language_hits_it_and_not_another(
    category: str, title: str, material: str, dims: str, text: str, other: str
) -> None:
    target = listed(category, title, material, dims)
    decoy = listed(category, title.replace(title.split(" of ")[-1], other), material, dims)
    index = Index.build([*FILLER, target, decoy])
    found = [m.position for m in index.match(seized(category, text), 0.75)]
    assert found == [len(FILLER)], (text, found)


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Гермеса", "hermes"), ("Ερμή", "hermes"), ("Mercurio", "hermes"),
        ("Афины", "athena"), ("Αθηνάς", "athena"), ("Minerva", "athena"),
        ("Διονύσου", "dionysus"), ("Вакха", "dionysus"),
        ("епископа", "bishop"), ("επισκόπου", "bishop"), ("vescovo", "bishop"),
        ("Святителя", "hierarch"), ("Παναγίας", "virgin"), ("Богоматери", "virgin"),
        ("Αγίου Γεωργίου", "saint george"), ("ikona sviatogo georgiia", "icon saint george"),
        ("Αρχαγγέλου Μιχαήλ", "archangel michael"), ("Ильи Пророка", "elijah prophet"),
        ("Константина Великого", "constantine velikogo"), ("Κωνσταντίνου", "constantine"),
        ("Αυγούστου", "augustus"), ("Августа", "augustus"),
    ],
)  # fmt: skip
def test_a_name_reads_alike_in_every_script_and_case(written: str, name: str) -> None:
    assert " ".join(words(written)) == name


def test_stone_stays_stone_and_saint_peter_a_name() -> None:
    assert words("Statue en pierre") == ["statue", "stone"]
    assert words("Icône de saint Pierre") == ["icon", "saint", "peter"]
    assert words("Икона Св. Петра") == ["icon", "saint", "peter"]


LISTED = [
    {
        "object_id": "BRZ-2011-0031",
        "category": "sculptures",
        "title": "Bronze statuette of Herakles",
        "description": "Herakles standing, the lion skin over his arm, green patina",
        "materials": "bronze",
        "period": "",
        "inscriptions": "",
        "dimensions": "24 x 9 cm",
    },
    {
        "object_id": "BRZ-2011-0032",
        "category": "sculptures",
        "title": "Bronze statuette of Apollo",
        "description": "Apollo standing, holding a lyre, green patina",
        "materials": "bronze",
        "period": "",
        "inscriptions": "",
        "dimensions": "24 x 9 cm",
    },
]


def test_a_russian_seizure_of_herakles_hits_the_listed_herakles_not_the_apollo_alike(
    client: TestClient[Any], api: Api
) -> None:
    ncp = setup_greece(api)
    assert upload(client, csv_bytes(LISTED)).status_code == 201
    body = {
        "seizures": [
            {
                "ref": "GR-PIR-0007",
                "category": "sculptures",
                "quantity": 1,
                "place_type": "airport",
                "description": "Статуэтка Геракла, бронза, зелёная патина, 24х9 см",
            }
        ]
    }
    assert api.put_return("GR", DAY, body, ncp).status_code == 201
    [hit] = wait_hits(client)
    assert hit["object_id"] == "BRZ-2011-0031"
    assert {"text", "category", "materials", "dimensions"} <= set(hit["fields"])
    assert [h["object_id"] for h in client.get(HITS, headers=ADMIN).json()["hits"]] == [
        "BRZ-2011-0031"
    ]


HITS = "/api/operations/PANDORA-X/hits"
