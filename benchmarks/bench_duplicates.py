"""Benchmark: quality of duplicate detection, beside a naive baseline, on one generated set.

    .venv/bin/python benchmarks/bench_duplicates.py [--quick] [--objects N] [--seed S] [--json]

Generates seizures of an operation (about a dozen a day, reported by ten countries; 30
days for --quick, 120 by default) in which
some objects are reported twice, by a second country along the route or by a second
agency of the same country, a few days apart, the second report written differently:
translated (French, Spanish, Italian, German, Russian, Greek), abbreviated, misspelt, or
Russian transliterated into Latin letters by another scheme than the detector's. Many
distinct objects share a category, nearby days and even the very same description
("Roman bronze coins"): those are the hard negatives. Four objects in ten (not coins) give
a height, which a second report keeps, in its own words.

Both methods see the same candidate pairs (same category, days within the detector's
window) and are scored against the known duplicates:
- baseline: a pair when the two descriptions are equal (case and spaces aside);
- opcoord: ``duplicates_score.score`` at its ``THRESHOLD``, the function the server's
  detector calls on each candidate pair.
Prints precision, recall and F1 of each. Target: recall >= 0.9 at precision >= 0.8.
Timing is printed for information and never fails the run.
"""

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import combinations
from typing import Any

from opcoord.intel.duplicates_score import THRESHOLD, Candidate, blocked, score

LANGS = ("en", "fr", "es", "it", "de", "ru", "el")
#: concept -> per language, a few surface forms (inflections, synonyms).
WORDS: dict[str, dict[str, list[str]]] = {
    "gold": {
        "en": ["gold", "golden"],
        "fr": ["en or", "d'or"],
        "es": ["de oro"],
        "it": ["d'oro", "in oro"],
        "de": ["goldene", "Gold"],
        "ru": ["золотые", "золотых", "золотая"],
        "el": ["χρυσά", "χρυσό", "χρυσές"],
    },
    "silver": {
        "en": ["silver"],
        "fr": ["en argent", "d'argent"],
        "es": ["de plata"],
        "it": ["d'argento", "in argento"],
        "de": ["silberne", "Silber"],
        "ru": ["серебряные", "серебряных", "серебряный"],
        "el": ["ασημένια", "αργυρά"],
    },
    "bronze": {
        "en": ["bronze"],
        "fr": ["en bronze"],
        "es": ["de bronce"],
        "it": ["in bronzo", "di bronzo"],
        "de": ["Bronze", "bronzene"],
        "ru": ["бронзовые", "бронзовая"],
        "el": ["χάλκινα", "χάλκινο"],
    },
    "coin": {
        "en": ["coins", "coin"],
        "fr": ["pièces de monnaie", "monnaies"],
        "es": ["monedas"],
        "it": ["monete"],
        "de": ["Münzen"],
        "ru": ["монеты", "монет"],
        "el": ["νομίσματα"],
    },
    "roman": {
        "en": ["Roman"],
        "fr": ["romaines", "romain"],
        "es": ["romanas", "romano"],
        "it": ["romane", "romano"],
        "de": ["römische"],
        "ru": ["римские", "римских"],
        "el": ["ρωμαϊκά"],
    },
    "greek": {
        "en": ["Greek"],
        "fr": ["grecques", "grec"],
        "es": ["griegas", "griego"],
        "it": ["greche", "greco"],
        "de": ["griechische"],
        "ru": ["греческие"],
        "el": ["ελληνικά", "αρχαία ελληνικά"],
    },
    "byzantine": {
        "en": ["Byzantine"],
        "fr": ["byzantine", "byzantin"],
        "es": ["bizantino", "bizantina"],
        "it": ["bizantino"],
        "de": ["byzantinische"],
        "ru": ["византийская", "византийские"],
        "el": ["βυζαντινή", "βυζαντινά"],
    },
    "ottoman": {
        "en": ["Ottoman"],
        "fr": ["ottoman"],
        "es": ["otomano"],
        "it": ["ottomano"],
        "de": ["osmanische"],
        "ru": ["османский", "османские"],
        "el": ["οθωμανικό"],
    },
    "etruscan": {
        "en": ["Etruscan"],
        "fr": ["étrusque"],
        "es": ["etrusco"],
        "it": ["etrusco"],
        "de": ["etruskische"],
        "ru": ["этрусская", "этрусский"],
        "el": ["ετρουσκικό"],
    },
    "medieval": {
        "en": ["medieval"],
        "fr": ["médiéval"],
        "es": ["medieval"],
        "it": ["medievale"],
        "de": ["mittelalterliche"],
        "ru": ["средневековый", "средневековая"],
        "el": ["μεσαιωνικό"],
    },
    "icon": {
        "en": ["icon"],
        "fr": ["icône"],
        "es": ["icono"],
        "it": ["icona"],
        "de": ["Ikone"],
        "ru": ["икона"],
        "el": ["εικόνα"],
    },
    "cross": {
        "en": ["cross"],
        "fr": ["croix"],
        "es": ["cruz"],
        "it": ["croce"],
        "de": ["Kreuz"],
        "ru": ["крест"],
        "el": ["σταυρός"],
    },
    "virgin": {
        "en": ["of the Virgin", "Madonna"],
        "fr": ["de la Vierge"],
        "es": ["de la Virgen"],
        "it": ["della Vergine", "Madonna"],
        "de": ["der Madonna"],
        "ru": ["Богородицы", "Богоматери"],
        "el": ["Παναγία", "της Παναγίας"],
    },
    "saint_george": {
        "en": ["of Saint George", "of St George"],
        "fr": ["de saint Georges"],
        "es": ["de San Jorge"],
        "it": ["di San Giorgio"],
        "de": ["des heiligen Georg"],
        "ru": ["святого Георгия"],
        "el": ["Αγίου Γεωργίου"],
    },
    "saint_nicholas": {
        "en": ["of Saint Nicholas"],
        "fr": ["de saint Nicolas"],
        "es": ["de San Nicolás"],
        "it": ["di San Nicola"],
        "de": ["des heiligen Nikolaus"],
        "ru": ["святителя Николая", "святого Николая"],
        "el": ["Αγίου Νικολάου"],
    },
    "wood": {
        "en": ["on wood", "wooden"],
        "fr": ["sur bois"],
        "es": ["sobre madera"],
        "it": ["su legno"],
        "de": ["auf Holz"],
        "ru": ["на дереве", "деревянная"],
        "el": ["σε ξύλο"],
    },
    "painting": {
        "en": ["painting"],
        "fr": ["peinture", "tableau"],
        "es": ["pintura", "cuadro"],
        "it": ["dipinto", "quadro"],
        "de": ["Gemälde"],
        "ru": ["картина", "живопись"],
        "el": ["πίνακας"],
    },
    "portrait": {
        "en": ["portrait"],
        "fr": ["portrait"],
        "es": ["retrato"],
        "it": ["ritratto"],
        "de": ["Bildnis", "Porträt"],
        "ru": ["портрет"],
        "el": ["πορτρέτο"],
    },
    "landscape": {
        "en": ["landscape"],
        "fr": ["paysage"],
        "es": ["paisaje"],
        "it": ["paesaggio"],
        "de": ["Landschaft"],
        "ru": ["пейзаж"],
        "el": ["τοπίο"],
    },
    "oil": {
        "en": ["oil on canvas"],
        "fr": ["huile sur toile"],
        "es": ["óleo sobre lienzo"],
        "it": ["olio su tela"],
        "de": ["Öl auf Leinwand"],
        "ru": ["холст, масло"],
        "el": ["λάδι σε καμβά"],
    },
    "statue": {
        "en": ["statue", "sculpture"],
        "fr": ["statue", "sculpture"],
        "es": ["estatua", "escultura"],
        "it": ["statua", "scultura"],
        "de": ["Statue", "Skulptur"],
        "ru": ["статуя", "скульптура"],
        "el": ["άγαλμα"],
    },
    "head": {
        "en": ["head"],
        "fr": ["tête"],
        "es": ["cabeza"],
        "it": ["testa"],
        "de": ["Kopf"],
        "ru": ["голова"],
        "el": ["κεφαλή"],
    },
    "marble": {
        "en": ["marble"],
        "fr": ["en marbre"],
        "es": ["de mármol"],
        "it": ["in marmo", "marmorea"],
        "de": ["Marmor"],
        "ru": ["мраморная", "мраморный"],
        "el": ["μαρμάρινο", "μαρμάρινη"],
    },
    "amphora": {
        "en": ["amphora", "amphorae"],
        "fr": ["amphore"],
        "es": ["ánfora"],
        "it": ["anfora"],
        "de": ["Amphore"],
        "ru": ["амфора", "амфоры"],
        "el": ["αμφορέας"],
    },
    "lamp": {
        "en": ["oil lamp", "lamp"],
        "fr": ["lampe à huile"],
        "es": ["lámpara de aceite"],
        "it": ["lucerna"],
        "de": ["Öllampe"],
        "ru": ["масляная лампа"],
        "el": ["λυχνάρι", "λαμπάδα"],
    },
    "helmet": {
        "en": ["helmet"],
        "fr": ["casque"],
        "es": ["casco"],
        "it": ["elmo"],
        "de": ["Helm"],
        "ru": ["шлем"],
        "el": ["κράνος"],
    },
    "sword": {
        "en": ["sword"],
        "fr": ["épée"],
        "es": ["espada"],
        "it": ["spada"],
        "de": ["Schwert"],
        "ru": ["меч"],
        "el": ["ξίφος"],
    },
    "musket": {
        "en": ["musket"],
        "fr": ["mousquet"],
        "es": ["mosquete"],
        "it": ["moschetto"],
        "de": ["Muskete"],
        "ru": ["мушкет"],
        "el": ["μουσκέτο"],
    },
    "manuscript": {
        "en": ["manuscript"],
        "fr": ["manuscrit"],
        "es": ["manuscrito"],
        "it": ["manoscritto"],
        "de": ["Manuskript", "Handschrift"],
        "ru": ["рукопись"],
        "el": ["χειρόγραφο"],
    },
    "gospel": {
        "en": ["Gospel book", "Gospel"],
        "fr": ["évangéliaire"],
        "es": ["evangeliario"],
        "it": ["evangeliario"],
        "de": ["Evangeliar"],
        "ru": ["Евангелие"],
        "el": ["Ευαγγέλιο"],
    },
    "fossil": {
        "en": ["fossil"],
        "fr": ["fossile"],
        "es": ["fósil"],
        "it": ["fossile"],
        "de": ["Fossil"],
        "ru": ["окаменелость", "ископаемый"],
        "el": ["απολίθωμα"],
    },
    "dinosaur": {
        "en": ["dinosaur"],
        "fr": ["de dinosaure"],
        "es": ["de dinosaurio"],
        "it": ["di dinosauro"],
        "de": ["Dinosaurier"],
        "ru": ["динозавра"],
        "el": ["δεινοσαύρου"],
    },
    "tooth": {
        "en": ["tooth", "teeth"],
        "fr": ["dent"],
        "es": ["diente"],
        "it": ["dente"],
        "de": ["Zahn"],
        "ru": ["зуб"],
        "el": ["δόντι"],
    },
    "tetradrachm": {
        "en": ["tetradrachms", "tetradrachm"],
        "fr": ["tétradrachmes"],
        "es": ["tetradracmas"],
        "it": ["tetradrammi"],
        "de": ["Tetradrachmen"],
        "ru": ["тетрадрахмы"],
        "el": ["τετράδραχμα"],
    },
}
CENTURIES = {
    "en": "{n}th century",
    "fr": "{r}e siècle",
    "es": "siglo {r}",
    "it": "secolo {r}",
    "de": "{n}. Jahrhundert",
    "ru": "{r} века",
    "el": "{n}ος αιώνας",
}
HEIGHT = {
    "en": "h. {n} cm",
    "fr": "haut. {n} cm",
    "es": "alt. {n} cm",
    "it": "alt. {n} cm",
    "de": "H. {n} cm",
    "ru": "выс. {n} см",
    "el": "ύψ. {n} εκ.",
}
ROMAN = {15: "XV", 16: "XVI", 17: "XVII", 18: "XVIII", 19: "XIX"}
#: category -> the concepts its objects are made of: (nouns, qualities, may have a century)
KINDS: dict[str, tuple[list[str], list[str], bool]] = {
    "coins": (
        ["coin", "tetradrachm"],
        ["roman", "greek", "byzantine", "gold", "silver", "bronze"],
        False,
    ),
    "religious": (
        ["icon", "cross", "gospel"],
        ["byzantine", "virgin", "saint_george", "saint_nicholas", "wood", "silver"],
        True,
    ),
    "paintings": (["painting", "portrait", "landscape"], ["oil", "wood"], True),
    "sculptures": (["statue", "head"], ["marble", "bronze", "roman", "greek", "etruscan"], False),
    "archaeological": (
        ["amphora", "lamp", "helmet"],
        ["roman", "greek", "etruscan", "bronze"],
        False,
    ),
    "weapons": (["sword", "musket", "helmet"], ["ottoman", "medieval"], True),
    "manuscripts": (["manuscript", "gospel"], ["medieval", "byzantine"], True),
    "fossils": (["fossil", "tooth"], ["dinosaur"], False),
}
ABBREVIATE = {
    "Roman": "Rom.",
    "Byzantine": "Byz.",
    "century": "c.",
    "Saint": "St.",
    "Greek": "Gr.",
    "manuscript": "ms.",
    "Etruscan": "Etr.",
    "medieval": "mediev.",
    "tetradrachms": "tetradr.",
    "approximately": "approx.",
}
_LATIN = "a b v g d e e zh z i j k l m n o p r s t u f h c ch sh shch - y ' e ju ja"
#: Russian in Latin letters, by a scheme other than the detector's (х as h, ц as c, ...).
TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        _LATIN.split(),
        strict=True,
    )
)
COUNTRIES = ["ES", "FR", "IT", "DE", "GR", "BG", "CY", "PT", "NL", "CH"]
LANG_OF = {"ES": "es", "FR": "fr", "IT": "it", "DE": "de", "GR": "el", "BG": "ru", "CY": "el"}


@dataclass
class Obj:
    category: str
    concepts: list[str]
    century: int | None
    height: int | None = None


def render(obj: Obj, lang: str, rng: random.Random) -> str:
    words = [rng.choice(WORDS[c][lang]) for c in obj.concepts]
    if obj.century:
        words.append(CENTURIES[lang].format(n=obj.century, r=ROMAN[obj.century]))
    if obj.height:
        words.append(HEIGHT[lang].format(n=obj.height))
    return " ".join(words)


def misspell(text: str, rng: random.Random) -> str:
    words = text.split()
    for _ in range(rng.choice((1, 2))):
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) < 4:
            continue
        j = rng.randrange(1, len(w) - 1)
        op = rng.choice(("swap", "drop", "double"))
        if op == "swap":
            w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        elif op == "drop":
            w = w[:j] + w[j + 1 :]
        else:
            w = w[:j] + w[j] + w[j:]
        words[i] = w
    return " ".join(words)


def abbreviate(text: str) -> str:
    out = text.replace("Saint ", "St. ").replace(" of the ", " ")
    for long, short in ABBREVIATE.items():
        out = out.replace(long, short)
    return out


def transliterate(text: str) -> str:
    return "".join(TRANSLIT.get(ch.lower(), ch) for ch in text)


def make_object(rng: random.Random) -> Obj:
    category = rng.choice(list(KINDS))
    nouns, qualities, century = KINDS[category]
    concepts = rng.sample(qualities, k=min(len(qualities), rng.choice((1, 2, 2, 3))))
    return Obj(
        category,
        [*concepts, rng.choice(nouns)],
        rng.choice(list(ROMAN)) if century and rng.random() < 0.7 else None,
        rng.randint(4, 90) if category != "coins" and rng.random() < 0.4 else None,
    )


def generate(n: int, seed: int) -> tuple[list[Candidate], set[frozenset[tuple[str, str]]]]:
    """Seizures, and the pairs that are the same object (as sets of (country, ref))."""
    rng = random.Random(seed)
    start = date(2026, 6, 1)
    # About a dozen seizures a day whatever the size: a bigger set is a longer operation.
    days = max(30, round(n / 12.5))
    seizures: list[Candidate] = []
    truth: set[frozenset[tuple[str, str]]] = set()
    counter = 0

    def ref(country: str) -> str:
        nonlocal counter
        counter += 1
        return f"{country}-{counter:05d}"

    for _ in range(n):
        obj = make_object(rng)
        country = rng.choice(COUNTRIES)
        route = rng.sample([c for c in COUNTRIES if c != country], 2)
        origin, destination = route
        quantity = (
            1
            if obj.category in ("paintings", "sculptures", "religious") and rng.random() < 0.7
            else rng.randint(1, 250)
        )
        value = rng.choice([None, rng.randint(1, 400) * 500])
        day = start + timedelta(days=rng.randrange(days))
        first = Candidate(
            country=country,
            ref=ref(country),
            day=day,
            category=obj.category,
            quantity=quantity,
            description=render(
                obj, "en" if rng.random() < 0.6 else LANG_OF.get(country, "en"), rng
            ),
            origin_country=origin if rng.random() < 0.8 else None,
            departure_country=country,
            destination_country=destination if rng.random() < 0.8 else None,
            estimated_value=value,
            currency="EUR" if value else None,
        )
        seizures.append(first)
        if rng.random() < 0.35:  # reported again
            same_country = rng.random() < 0.25
            second = destination if not same_country else country
            kind = rng.choice(("translated", "abbreviated", "misspelt", "transliterated"))
            if kind == "translated":
                text = render(obj, rng.choice([lang for lang in LANGS if lang != "en"]), rng)
            elif kind == "abbreviated":
                text = abbreviate(render(obj, "en", rng))
            elif kind == "misspelt":
                text = misspell(render(obj, rng.choice(("en", "fr", "es", "it", "de")), rng), rng)
            else:
                text = transliterate(render(obj, "ru", rng))
            dup = Candidate(
                country=second,
                ref=ref(second),
                day=day + timedelta(days=rng.choice((0, 1, 1, 2, 3))),
                category=obj.category,
                quantity=quantity if rng.random() < 0.9 else max(1, quantity + rng.choice((-1, 1))),
                description=text,
                origin_country=first.origin_country if rng.random() < 0.7 else None,
                departure_country=country if not same_country else None,
                destination_country=destination if rng.random() < 0.7 else None,
                estimated_value=value if rng.random() < 0.6 else None,
                currency="EUR" if value else None,
            )
            seizures.append(dup)
            truth.add(frozenset({(first.country, first.ref), (dup.country, dup.ref)}))
    return seizures, truth


def _plain(text: str) -> str:
    return " ".join(text.lower().split())


def measure(seizures: list[Candidate], truth: set[frozenset[tuple[str, str]]]) -> dict[str, Any]:
    by_category: dict[str, list[Candidate]] = {}
    for s in seizures:
        by_category.setdefault(s.category, []).append(s)
    found: dict[str, set[frozenset[tuple[str, str]]]] = {"baseline": set(), "opcoord": set()}
    candidates = 0
    started = time.perf_counter()
    for group in by_category.values():
        for a, b in combinations(group, 2):
            if not blocked(a, b):
                continue
            candidates += 1
            key = frozenset({(a.country, a.ref), (b.country, b.ref)})
            if _plain(a.description) == _plain(b.description):
                found["baseline"].add(key)
            if score(a, b) >= THRESHOLD:
                found["opcoord"].add(key)
    elapsed = time.perf_counter() - started
    out: dict[str, Any] = {
        "seizures": len(seizures),
        "true_pairs": len(truth),
        "candidate_pairs": candidates,
        "threshold": THRESHOLD,
        "seconds": round(elapsed, 2),
    }
    for name, pairs in found.items():
        tp = len(pairs & truth)
        precision = tp / len(pairs) if pairs else 1.0
        recall = tp / len(truth) if truth else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[name] = {
            "found": len(pairs),
            "true_positives": tp,
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small set, for CI (seconds)")
    parser.add_argument(
        "--objects", type=int, default=None, help="objects generated (default 1500)"
    )
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    n = args.objects or (300 if args.quick else 1500)
    seizures, truth = generate(n, args.seed)
    result = measure(seizures, truth)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"{result['seizures']} seizures, {result['true_pairs']} known duplicates, "
        f"{result['candidate_pairs']} candidate pairs (same category, within the window)"
    )
    print(f"{'method':<10} {'found':>6} {'precision':>10} {'recall':>7} {'F1':>6}")
    for name in ("baseline", "opcoord"):
        m = result[name]
        figures = f"{m['precision']:>10.3f} {m['recall']:>7.3f} {m['f1']:>6.3f}"
        print(f"{name:<10} {m['found']:>6} {figures}")
    print(f"scored in {result['seconds']} s (information only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
