"""Seizure descriptions made comparable across languages and scripts.

A description is transliterated to ASCII (``anyascii``: Cyrillic, Greek and accented
Latin alike), lower-cased, split into words; small words are dropped, Roman numerals and
ordinals become numbers ("XVIII", "18th", "18e" all read "18"), common abbreviations are
spelt out, and the words of the trade in English, French, Spanish, Italian, German,
Russian and Greek (gold, coin, icon, amphora, ...) become one English word each, matched
on their stem so that Russian and Greek endings do not matter. What is left is compared
with rapidfuzz. Everything is in this file: nothing is downloaded at run time.
"""

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz import fuzz

#: canonical word -> stems in the languages of the operations (transliterated). A stem
#: of four letters or more matches any word it begins; a shorter one only itself.
LEXICON: dict[str, tuple[str, ...]] = {
    "gold": ("gold", "or", "oro", "ouro", "zolot", "chrys", "khris", "aureo", "dorad"),
    "silver": ("silver", "argent", "plata", "argento", "silber", "serebr", "asim", "argyr"),
    "bronze": ("bronz", "bronce", "chalk", "khalk"),
    "copper": ("copper", "cuivre", "cobre", "rame", "kupfer", "medn"),
    "coin": ("coin", "monnaie", "moned", "monet", "munz", "muenz", "nomism", "denar", "aure"),
    "roman": ("roman", "romain", "romisch", "roemisch", "rimsk", "romai", "rom"),
    "greek": ("greek", "grec", "griech", "grech", "ellin", "ellen", "hellen", "griego"),
    "byzantine": ("byzant", "bizant", "vizant", "vyzant", "byz"),
    "egyptian": ("egypt", "egipt", "egizi", "agypt", "aegypt", "aigypt"),
    "etruscan": ("etrus", "etrusk", "etrous"),
    "ottoman": ("ottoman", "otoman", "osman"),
    "medieval": ("mediev", "medioev", "mittelalter", "srednevek", "mesaion"),
    "ancient": ("ancient", "antique", "antiq", "antig", "antic", "antik", "drevn", "archai"),
    "icon": ("icon", "icone", "icono", "ikon", "eikon", "eikona"),
    "statue": ("statu", "estatu", "figur", "skulpt", "sculpt", "scult", "escult", "agalm", "idol"),
    "head": ("head", "tete", "cabeza", "testa", "kopf", "golov", "kefal"),
    "vase": ("vase", "vaso", "vaz", "jarr", "aggei", "angei", "vessel", "recipient"),
    "amphora": ("amphor", "anfor", "amfor"),
    "painting": (
        "painting",
        "paint",
        "peint",
        "tableau",
        "pintur",
        "cuadro",
        "dipint",
        "quadro",
        "gemald",
        "gemaeld",
        "kartin",
        "zhivop",
        "pinak",
        "zograf",
    ),
    "portrait": ("portrait", "retrat", "ritratt", "portret", "bildnis", "prosop"),
    "landscape": ("landscape", "paysage", "paisaj", "paesagg", "landschaft", "peizazh", "topio"),
    "oil": ("oil", "huile", "oleo", "olio", "masl", "elaiog"),
    "canvas": ("canvas", "toile", "lienzo", "tela", "leinwand", "kholst", "holst", "kamvas"),
    "manuscript": ("manuscr", "manuskr", "manoscr", "rukopis", "cheirogr", "kheirogr", "ms"),
    "book": ("book", "livre", "libro", "buch", "knig", "vivli", "biblio"),
    "gospel": ("gospel", "evangel", "evangil", "jevangel"),
    "sword": ("sword", "epee", "espad", "spada", "schwert", "mech", "xif", "ksif"),
    "helmet": ("helmet", "casque", "casco", "elmo", "helm", "shlem", "kran"),
    "ring": ("ring", "bague", "anill", "anell", "kolts", "kolc", "daktyl"),
    "cross": ("cross", "croix", "cruz", "croce", "kreuz", "krest", "stavr"),
    "fossil": ("fossil", "fosil", "iskop", "okamen", "apolith"),
    "dinosaur": ("dinosaur", "dinozavr", "deinosaur"),
    "tooth": ("tooth", "teeth", "dent", "dient", "zahn", "zaehn", "zub", "dont"),
    "skull": ("skull", "crane", "crani", "schadel", "cherep", "kran"),
    "mask": ("mask", "masque", "mascar", "masch"),
    "ceramic": ("ceram", "keram", "potter", "faienc", "terracott", "terrakot"),
    "plate": ("plate", "assiett", "plato", "piatt", "teller", "tarelk", "piat"),
    "lamp": ("lamp", "lampe", "lampar", "lucern", "lampad"),
    "wood": (
        "wood",
        "bois",
        "mader",
        "legno",
        "holz",
        "derev",
        "xylo",
        "xylin",
        "xil",
        "ksil",
        "ksyl",
    ),
    "marble": ("marbl", "marbre", "marmol", "marmo", "marmor", "mramor"),
    "stone": ("stone", "pierre", "piedr", "pietr", "stein", "kamen", "lith"),
    "saint": (
        "saint",
        "santo",
        "santa",
        "san",
        "sankt",
        "heilig",
        "svyat",
        "svyash",
        "svjat",
        "agio",
        "st",
        "ste",
        "sv",
    ),
    "george": ("george", "georg", "jorge", "giorgi", "georgi", "yuri"),
    "nicholas": ("nichol", "nicol", "nikol", "mikola"),
    "virgin": ("virgin", "vierge", "virgen", "vergine", "madonn", "bogorod", "bogomat", "panag"),
    "christ": ("christ", "crist", "khrist", "hrist"),
    "emperor": ("emperor", "empereur", "emperador", "imperat", "kaiser", "avtokrat"),
    "century": (
        "century",
        "centuri",
        "siecl",
        "siglo",
        "secol",
        "jahrhundert",
        "vek",
        "veka",
        "vekov",
        "aion",
    ),
    "violin": ("violin", "violon", "geige", "skripk"),
    "guitar": ("guitar", "guitarr", "chitarr", "gitar", "kithar"),
    "rifle": ("rifle", "fusil", "gewehr", "vintovk", "ruzh", "tyfek"),
    "pistol": ("pistol", "pistolet", "revolver"),
    "musket": ("musket", "mousquet", "mosquet", "moschett", "mushket"),
    "chair": ("chair", "chaise", "silla", "sedia", "stuhl", "stul", "karekl"),
    "cabinet": ("cabinet", "armoire", "armari", "armadi", "schrank", "shkaf", "ntoulap"),
    "clock": ("clock", "horlog", "reloj", "orolog", "uhr", "chasy", "roloi"),
    "jewel": ("jewel", "bijou", "joya", "gioiell", "schmuck", "ukrash", "kosmim"),
    "necklace": ("necklace", "collier", "collar", "collana", "halskett", "ozherel", "kolie"),
    "bracelet": ("bracelet", "pulser", "braccial", "armband", "braslet", "vrachiol"),
    "inscription": ("inscri", "inscrip", "iscriz", "inschrift", "nadpis", "epigraf"),
    "fragment": ("fragment", "frammen", "oskol", "thrau"),
    "figure": ("figurine", "statuett", "statuetk", "figurk", "eidolio"),
    "hoard": ("hoard", "tresor", "tesor", "schatz", "klad", "thisavr"),
    "mosaic": ("mosai", "mozai", "psifid"),
    "fresco": ("fresco", "fresque", "fresk", "toichograf"),
    "tetradrachm": ("tetradrachm", "tetradrakhm", "tetradram", "tetradrach"),
    "drachm": ("drachm", "drakhm", "dracm", "dram"),
}
#: Words that say nothing about the object (articles, prepositions, counts).
_STOP_WORDS = """
    a an the of and with in on from to for by at de du des la le les l d un une el los las
    del al y con en et avec sur il lo gli i di da e per un una und der die das den dem von
    mit aus zu ein eine v s so iz na ot k i u za tou ton tis ta to o kai me apo se sto stin
    stis ston su sobre auf pieces piece pcs pc items item objects object objets objet
    piezas pezzi stueck shtuk tem temakhia temachia cm sm ek mm kg g h haut alt vys ips
    approx ca circa env aprox about around some several
"""
STOP = frozenset(_STOP_WORDS.split())
#: Abbreviations read as the word they stand for (before the lexicon).
ABBREVIATIONS = {
    "c": "century",
    "cent": "century",
    "sec": "century",
    "ss": "century",
    "gr": "greek",
    "rom": "roman",
    "byz": "byzantine",
    "med": "medieval",
    "fig": "figurine",
    "insc": "inscription",
    "inscr": "inscription",
    "etr": "etruscan",
    "av": "gold",
    "ar": "silver",
    "ae": "bronze",
    "mss": "manuscript",
}
#: Greek digraphs and letters read as they sound, before ``anyascii`` (which spells
#: ``ου`` "oy" and ``γγ`` "gg"), so that Greek meets the Latin spellings of a word.
GREEK = (
    ("ου", "ou"),
    ("γγ", "ng"),
    ("γκ", "g"),
    ("αυ", "av"),
    ("ευ", "ev"),
    ("η", "i"),
    ("ω", "o"),
    ("β", "v"),
    ("χ", "ch"),
)
#: An apostrophe inside a word (a Russian soft sign) is dropped; after one letter (a
#: French elision, d'or) it separates words.
APOSTROPHE = re.compile(r"(?<=[a-z]{2})'(?=[a-z])")
ROMAN = re.compile(r"^(?=[mdclxvi]{2,}$)m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th|e|er|eme|ieme|o|a|y|go|ogo|ego|iy|ii|ou|os)?$")
WORD = re.compile(r"[a-z0-9]+")
#: What a description's likeness is multiplied by when both name numbers, none shared.
NUMBERS_DISAGREE = 0.6
_ROMAN_VALUES = {"m": 1000, "d": 500, "c": 100, "l": 50, "x": 10, "v": 5, "i": 1}


def _roman(token: str) -> int:
    total = 0
    for here, after in zip(token, [*token[1:], ""], strict=True):
        value = _ROMAN_VALUES[here]
        total += -value if after and _ROMAN_VALUES[after] > value else value
    return total


def _stems() -> list[tuple[str, str]]:
    pairs = [(stem, word) for word, stems in LEXICON.items() for stem in stems]
    return sorted(pairs, key=lambda p: -len(p[0]))


_STEMS = _stems()
_EXACT = dict(_STEMS)


@lru_cache(maxsize=65536)
def canonical_word(token: str) -> str:
    """One word in its canonical form: a number, a lexicon word, or itself."""
    if ROMAN.match(token):
        return str(_roman(token))
    bare = re.sub(r"(ieme|eme|er|e|th|st|nd|rd|o|a)$", "", token)  # XVIIIe, XIXth, XVo
    if bare != token and ROMAN.match(bare):
        return str(_roman(bare))
    number = ORDINAL.match(token)
    if number:
        return number.group(1)
    if token in _EXACT:
        return _EXACT[token]
    for stem, word in _STEMS:
        if len(stem) >= 4 and token.startswith(stem):
            return word
    if len(token) >= 5:  # a misspelt word of the lexicon: its start is close to a stem
        for stem, word in _STEMS:
            if len(stem) >= 5 and fuzz.ratio(token[: len(stem)], stem) >= 80:
                return word
    return token


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """A description as the words that identify an object, canonical and sorted."""
    words = []
    lowered = "".join(
        ch
        for ch in unicodedata.normalize("NFD", (text or "").lower())
        if not unicodedata.combining(ch)
    )
    for greek, latin in GREEK:
        lowered = lowered.replace(greek, latin)
    for token in WORD.findall(APOSTROPHE.sub("", anyascii(lowered).lower())):
        if token in STOP:
            continue
        token = ABBREVIATIONS.get(token, token)
        words.append(canonical_word(token))
    return " ".join(sorted(set(words)))


def similarity(left: str, right: str) -> float:
    """How alike two descriptions are, 0 to 1, after ``normalise``."""
    a, b = normalise(left), normalise(right)
    if not a or not b:
        return 0.0
    alike = float(fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 200.0
    numbers_a = {w for w in a.split() if w.isdigit()}
    numbers_b = {w for w in b.split() if w.isdigit()}
    if numbers_a and numbers_b and not numbers_a & numbers_b:
        alike *= NUMBERS_DISAGREE  # another century, another year: another object
    return alike
