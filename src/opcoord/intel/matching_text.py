"""Text as the matcher compares it: one alphabet, one spelling, one word per concept.

A seizure in Athens is written in Greek, the stolen icon was listed in English by the
Italian Carabinieri, and the officer abbreviated "Saint". So text is transliterated to
Latin letters (anyascii: Cyrillic, Greek and every other script), lower-cased, stripped
of accents and punctuation, and each word is mapped to a canonical term when the small
glossary below knows it (the words of the trade in English, French, Spanish, Italian,
German, Russian and Greek, written as they transliterate). Words the glossary does not
know are kept as they are; the matcher compares them fuzzily. Nothing is downloaded:
the glossary is this file.

Names (saints, gods, emperors, the titles that stand for one) come from ``names``, the
onomasticon: each spelling is folded here like any text, and a word is tied to a name
through ``name_key``, which folds the transliteration variants and endings of both
sides alike, so that ``Гермеса``, ``Ερμή`` and ``Hermès`` are all ``hermes``.
"""

import re
from functools import lru_cache

from anyascii import anyascii

from opcoord.intel.names import AFTER_TITLE, GENERIC, NAMES

#: canonical term -> its spellings in other languages (transliterated, lower case).
#: Inflected forms are reached by prefix (see ``canonical``), so one stem is enough.
GLOSSARY: dict[str, tuple[str, ...]] = {
    "icon": ("icone", "icono", "icona", "ikone", "ikona", "eikona", "ikon", "eikon"),
    "saint": (
        "st",
        "ste",
        "san",
        "santo",
        "santa",
        "sankt",
        "heilig",
        "heilige",
        "sv",
        "svyat",
        "svyatoi",
        "svyatoy",
        "svyatogo",
        "svyataya",
        "sviat",  # the passports' transliteration, я as "ia"
        "sviatoi",
        "sviatogo",
        "sviataia",
        "agios",
        "agiou",
        "agia",
        "ag",
        "hagios",
    ),
    "virgin": (
        "vierge",
        "virgen",
        "vergine",
        "madonna",
        "bogoroditsa",
        "bogomater",
        "theotokos",
        "panagia",
        "jungfrau",
        "gottesmutter",
        "muttergottes",
        "mother of god",
    ),
    "christ": (
        "cristo",
        "khristos",
        "khrista",
        "christus",
        "khristos",
        "iisus",
        "jesus",
        "iesous",
        "christos",
    ),
    "nicholas": (
        "nicolas",
        "nicola",
        "nikolaus",
        "nikolai",
        "nikolay",
        "nikolaya",
        "nikolaos",
        "nicolo",
        "nikola",
    ),
    "george": (
        "georges",
        "jorge",
        "giorgio",
        "georg",
        "georgii",
        "georgiy",
        "georgiya",
        "georgios",
        "yuri",
    ),
    "silver": (
        "argent",
        "plata",
        "argento",
        "silber",
        "serebro",
        "serebryan",
        "asimi",
        "argyr",
        "asimen",
    ),
    "gold": (
        "oro",
        "zoloto",
        "zolot",
        "chrysos",
        "chrys",
        "doré",
        "dore",
        "gilt",
        "gilded",
        "dorado",
        "dorato",
        "vergoldet",
        "zolochen",
    ),
    "bronze": ("bronce", "bronzo", "bronza", "bronz", "chalkos", "chalk", "kalkos"),
    "copper": ("cuivre", "cobre", "rame", "kupfer", "med", "medn"),
    "marble": ("marbre", "marmol", "marmo", "marmor", "mramor", "marmar"),
    "wood": (
        "bois",
        "madera",
        "legno",
        "holz",
        "derevo",
        "derevyan",
        "derev",
        "xylo",
        "ksylo",
        "wooden",
        "panel",
    ),
    "tempera": ("temple", "tempere", "tempery", "temperi", "avgotempera"),
    "oil": ("huile", "oleo", "olio", "ol", "maslo", "maslom", "ladi", "lado"),
    "canvas": ("toile", "lienzo", "tela", "leinwand", "kholst", "kamvas", "mousamas"),
    "coin": (
        "monnaie",
        "moneda",
        "moneta",
        "munze",
        "muenze",
        "moneta",
        "nomisma",
        "nomism",
        "coins",
    ),
    "statue": (
        "statuette",
        "estatua",
        "estatuilla",
        "statua",
        "statuetta",
        "figur",
        "statuya",
        "statuetka",
        "agalma",
        "agalmatio",
        "figurine",
        "figure",
    ),
    "bust": ("buste", "busto", "buste", "byust", "protomi"),
    "sculpture": ("escultura", "scultura", "skulptur", "skulptura", "glypto"),
    "painting": (
        "peinture",
        "pintura",
        "dipinto",
        "quadro",
        "tableau",
        "gemalde",
        "kartina",
        "zhivopis",
        "pinakas",
        "zografia",
    ),
    "manuscript": (
        "manuscrit",
        "manuscrito",
        "manoscritto",
        "handschrift",
        "rukopis",
        "cheirografo",
        "codex",
        "kodikas",
    ),
    "book": ("livre", "libro", "buch", "kniga", "vivlio", "biblio"),
    "amphora": ("amphore", "anfora", "amphore", "amfora", "amforeas", "amphoreus"),
    "vase": ("vaso", "vaza", "vazo", "angeio", "jarron", "pot"),
    "chalice": ("calice", "caliz", "kelch", "potir", "potiri", "cup", "coupe", "copa"),
    "cross": ("croix", "cruz", "croce", "kreuz", "krest", "stavros", "crucifix"),
    "sword": ("epee", "espada", "spada", "schwert", "mech", "spathi", "xifos", "ksifos"),
    "helmet": ("casque", "casco", "elmo", "helm", "shlem", "kranos"),
    "ring": ("bague", "anillo", "anello", "kolco", "koltso", "daktylidi"),
    "head": ("tete", "cabeza", "testa", "kopf", "golova", "kefali"),
    "century": (
        "siecle",
        "siglo",
        "secolo",
        "jahrhundert",
        "jh",
        "vek",
        "veka",
        "aionas",
        "aion",
        "cent",
        "sec",
    ),
    "roman": ("romain", "romano", "romisch", "rimskiy", "rimsk", "romaiko", "romaik"),
    "greek": ("grec", "griego", "greco", "griechisch", "grecheskiy", "ellinik", "hellen"),
    "byzantine": (
        "byzantin",
        "bizantino",
        "byzantinisch",
        "vizantiyskiy",
        "vizantiisk",
        "vyzantin",
        "vizantiysk",
        "vyzantino",
    ),
    "ottoman": ("ottomane", "otomano", "ottomano", "osmanisch", "osmansk", "othoman"),
    "medieval": ("medievale", "medieval", "medievale", "mittelalter", "srednevekov", "mesaionik"),
    "church": (
        "eglise",
        "iglesia",
        "chiesa",
        "kirche",
        "tserkov",
        "tserkvi",
        "khram",
        "ekklisia",
        "naos",
        "monastery",
        "monastere",
        "monasterio",
        "monastir",
        "monastyr",
        "moni",
    ),
    "emperor": (
        "empereur",
        "emperador",
        "imperatore",
        "kaiser",
        "imperator",
        "avtokrator",
        "aftokrator",
    ),
    "inscription": (
        "inscription",
        "inscripcion",
        "iscrizione",
        "inschrift",
        "nadpis",
        "epigrafi",
        "legend",
        "legende",
        "leyenda",
    ),
    "stolen": ("vole", "robado", "rubato", "gestohlen", "ukraden", "klemmen"),
    "ivory": ("ivoire", "marfil", "avorio", "elfenbein", "slonovaya", "elefantostoun"),
    "terracotta": ("terre cuite", "terracota", "terrakotta", "terrakota", "pilino"),
    "ceramic": ("ceramique", "ceramica", "keramik", "keramika", "keramiki", "pottery"),
    "glass": ("verre", "vidrio", "vetro", "glas", "steklo", "gyali"),
    # Greek "petra" and French "pierre" are stone, unless a saint's name (see names.py).
    "stone": ("pierre", "piedra", "pietra", "stein", "kamen", "petra", "petrino", "lithos"),
    "mosaic": ("mosaique", "mosaico", "mosaik", "mozaika", "psifidoto"),
    "fragment": ("frammento", "fragmento", "fragmenty", "thrafsma"),
    "portrait": ("retrato", "ritratto", "portret", "portreto", "prosopografia"),
    "apostle": ("apotre", "apostol", "apostolo", "apostel", "apostolos"),
    "angel": ("ange", "angel", "angelo", "engel", "angelos", "angela"),
    "archangel": (
        "archange",
        "arcangel",
        "arcangelo",
        "erzengel",
        "arkhangel",
        "archangelos",
    ),
    "silk": ("soie", "seda", "seta", "seide", "shelk", "metaxi"),
    "enamel": ("email", "esmalte", "smalto", "emaille", "emal", "smalto", "smalti"),
}

#: Canonical terms that name a material or a period: a seizure that uses one has said
#: what its object is made of, or from when, even outside those fields.
_MATERIALS = (
    "silver gold bronze copper marble wood tempera oil canvas ivory terracotta ceramic "
    "glass stone silk enamel"
)
MATERIAL_TERMS = frozenset(_MATERIALS.split())
PERIOD_TERMS = frozenset({"century"})
#: Canonical names of someone (a saint, a god, an emperor), not a title or a scene.
PERSON_TERMS = frozenset(NAMES) - GENERIC

#: Words that carry nothing, in the same languages (after transliteration).
_STOP = (
    "a an and the of with from in on at to by for or "
    "de du des la le les et un une au aux en avec sur "
    "del el los las y con una unos por para "
    "di della dello degli il lo gli e con da "
    "der die das und mit von im ein eine "
    "i v s so na iz ot k po dlya "
    "kai tou toy tis ton to ta me apo se stin sto tin tes "
    "ca circa approx cm mm x sm ek"
)
STOPWORDS = frozenset(_STOP.split())

_NON_WORD = re.compile(r"[^a-z0-9]+")
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)")
_STEM = 4  # the shortest glossary stem a longer word may start with

_CANON: dict[str, str] = {}
for _term, _spellings in GLOSSARY.items():
    _CANON[_term] = _term
    for _s in _spellings:
        if " " not in _s:
            _CANON.setdefault(_s, _term)
_PHRASES = {_s: _term for _term, _spellings in GLOSSARY.items() for _s in _spellings if " " in _s}
_STEMS = sorted((k for k in _CANON if len(k) >= _STEM), key=len, reverse=True)

#: Case and number endings as they transliterate (Russian, Greek, Latin and Romance):
#: ``bogoroditsy`` and ``bogoroditsa``, ``dionysou`` and ``dionysus`` share a stem.
_ENDING_LIST = (
    "ogo ego omu emu ami iami akh iakh ykh ikh oi oy iy yi ii ia ya iu yu ie "
    "ou os us is es as ov ev a e i o u y s"
)
_ENDINGS = sorted(_ENDING_LIST.split(), key=len, reverse=True)


def stem(word: str, least: int = _STEM) -> str:
    """``word`` without its case or number ending, ``least`` letters left at least."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= least:
            return word[: -len(ending)]
    return word


#: Transliteration variants folded to one letter, in this order: Greek and Cyrillic
#: come to Latin letters as ``kh``/``ch``/``h``, ``ph``/``f``, ``th``/``t``, ``y``/``i``,
#: ``b``/``v`` (Greek beta), ``au``/``av`` (Greek and Russian for Augustus, Zeus).
_KEY_PAIRS = (
    ("kh", "h"), ("ch", "h"), ("ph", "f"), ("th", "t"), ("ck", "k"), ("c", "k"),
    ("q", "k"), ("x", "ks"), ("y", "i"), ("j", "i"), ("w", "v"), ("b", "v"),
    ("ou", "u"), ("ei", "i"), ("ae", "e"), ("oe", "e"), ("au", "av"), ("eu", "ev"),
)  # fmt: skip
_DOUBLE = re.compile(r"(.)\1+")
_KEY_LEAST = 3


@lru_cache(maxsize=200_000)
def name_key(word: str) -> str:
    """A name's spelling folded so that its transliterations and inflections agree.

    ``hermes``, ``ermes`` (Italian), ``germesa`` (Russian genitive, Cyrillic ``г`` for
    ``h``) all become ``erm``; ``dionysou`` and ``dionisa`` become ``dionis``. Letters
    folded (see ``_KEY_PAIRS``), doubled letters single, an initial ``h`` (or ``g``
    before a vowel, as Russian writes it) dropped, endings stripped (before folding and
    after) while three letters are left.
    """
    key = stem(word, _KEY_LEAST)  # before folding: Greek -ou is no Russian -omu
    for a, b in _KEY_PAIRS:
        key = key.replace(a, b)
    key = _DOUBLE.sub(r"\1", key)
    if key[:1] == "h" or (key[:1] == "g" and key[1:2] in ("a", "e", "i", "o", "u")):
        key = key[1:]
    while (shorter := stem(key, _KEY_LEAST)) != key:
        key = shorter
    return key


_INFLECTED = {stem(k): v for k, v in sorted(_CANON.items()) if len(k) > _STEM and not k.isdigit()}


_GREEK_PAIRS = {
    "ου": "ou", "αυ": "av", "ευ": "ev", "ού": "ou", "αύ": "av", "εύ": "ev",
    "γγ": "ng", "γχ": "nch", "γξ": "nx",  # Αρχάγγελος, archangelos
}  # fmt: skip
_GREEK = re.compile("|".join(_GREEK_PAIRS))
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_ROMAN_WORD = re.compile(
    r"^(?:([ivxlc]{2,6})(?:e|eme|er|th|o|go|os)?|([ivx])(?:e|eme|er|th|go|os))$"
)
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th|e|eme|er|o|a|go|y|yy|iy|j|oy|os|i)$")


def _number_word(word: str) -> str:
    """``xvii``, ``17th``, ``17e``, ``17-go`` all become ``17``, ``xe`` becomes ``10``."""
    ordinal = _ORDINAL.match(word)
    if ordinal:
        return ordinal.group(1)
    roman = _ROMAN_WORD.match(word)
    if roman:
        total, last = 0, 0
        for ch in reversed(roman.group(1) or roman.group(2)):
            value = _ROMAN[ch]
            total += -value if value < last else value
            last = max(last, value)
        if 0 < total <= 30:
            return str(total)
    return word


_SOFT = str.maketrans("", "", "ьъ")  # anyascii writes them as quotes, splitting words
_TIMES = re.compile(r"(?<=\d)\s*[хχ×]\s*(?=\d)")  # 24х9: Cyrillic, Greek or a times sign


def fold(text: str) -> str:
    """Latin letters, lower case, no accents or punctuation, single spaces."""
    lowered = _TIMES.sub(" x ", text.lower().translate(_SOFT))
    lowered = _GREEK.sub(lambda m: _GREEK_PAIRS[m.group(0)], lowered)
    plain = anyascii(lowered).lower()
    for phrase, term in _PHRASES.items():
        if phrase in plain:
            plain = plain.replace(phrase, term)
    plain = _DIGIT_LETTER.sub(" ", plain)  # 32x25cm -> 32 x 25 cm
    return " ".join(_NON_WORD.split(plain)).strip()


def _names() -> tuple[dict[str, str], dict[str, str]]:
    """The names of ``names.NAMES``: folded spelling -> name, and name key -> name.

    The spellings are kept with and without their ending (``stem``); a word is tied by
    its key (``name_key``) only when the key is four letters or more and no glossary
    word folds to it too (Spanish *monje* and Greek *moni*, monastery, would). Where two
    names' spellings fold alike (Ηρακλής the hero, Ηράκλειος the emperor), the name
    listed first keeps the key; the other is still reached by its own spellings.
    """
    taken = {name_key(w) for w in _CANON}
    forms: dict[str, str] = {}
    keys: dict[str, str] = {}
    for name, spellings in NAMES.items():
        for spelling in (name, *spellings.split(",")):
            for w in fold(spelling).split():
                if len(w) < _KEY_LEAST or w.isdigit():
                    continue
                for form in (w, stem(w)):
                    if form not in _CANON:  # Greek *stavros* is a cross, not Σταύρωση
                        forms.setdefault(form, name)
                key = name_key(w)
                if len(key) > _KEY_LEAST and key not in taken:
                    keys.setdefault(key, name)
    return forms, keys


_NAME_FORMS, _NAME_KEYS = _names()
#: The canonical terms after which an ambiguous word (``AFTER_TITLE``) is a name.
_TITLES = frozenset({"saint", "apostle", "archangel", "emperor", "prophet", "martyr", "king"})


@lru_cache(maxsize=200_000)
def canonical(word: str) -> str:
    """The glossary's term for ``word``, or ``word`` itself.

    Inflections (Russian and Greek cases, plurals) are reached by prefix: a word of at
    least four letters that starts with a known spelling at most three letters shorter.
    """
    found = _CANON.get(word)
    if found is not None:
        return found
    if word.isdigit():
        return word
    name = _NAME_FORMS.get(word) or _NAME_FORMS.get(stem(word))
    if name is not None:
        return name
    if len(word) < _STEM + 1:
        return _NAME_KEYS.get(name_key(word), word)
    for known in _STEMS:
        if len(known) < len(word) - 3:
            break
        if word.startswith(known):
            return _CANON[known]
    if word.endswith("s") and word[:-1] in _CANON:
        return _CANON[word[:-1]]
    return _INFLECTED.get(stem(word)) or _NAME_KEYS.get(name_key(word), word)


def words(text: str | None) -> list[str]:
    """The canonical words of ``text``, stopwords dropped, in order."""
    if not text:
        return []
    out: list[str] = []
    for w in fold(text).split():
        if w in STOPWORDS and w not in _CANON:
            continue
        if out and out[-1] in _TITLES and w in AFTER_TITLE:
            out.append(AFTER_TITLE[w])  # saint Pierre, not stone
            continue
        term = canonical(_number_word(w))
        if len(term) == 1 and not term.isdigit():
            continue
        out.append(term)
    return out


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def numbers(text: str | None) -> list[float]:
    """The numbers written in ``text`` (dimensions), decimal commas understood."""
    if not text:
        return []
    return [float(n.replace(",", ".")) for n in _NUMBER.findall(text)]
