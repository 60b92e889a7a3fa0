"""The matcher: a seizure against every object of one list, scored field by field.

Pure: objects and seizures come in as plain values, matches go out; no database.

How a seizure finds its candidates fast: every listed object's words (see
``matching_text``: one alphabet, one spelling, one word per concept) go into an inverted
index; a seizure's words, with the misspelt ones mapped to the nearest word the list
knows (rapidfuzz), add their rarity (IDF) to every object that has them, in one numpy
pass over the list. The few objects whose shared rarity is high enough are then scored
on each field: text, category, materials, period, inscriptions, dimensions. The score
is the weighted mean over the fields both sides have; a field "matched" when its own
score reaches ``FIELD_MATCHED``.

Agreement identifies only when it is rare in the list. Fifty thousand listed objects
share a few dozen names, materials and kinds, and a pair of measures recurs among them
every few hundred: an unlisted icon of Hermes in bronze of 50 x 103 cm meets a listed
statue of Dionysus in bronze of 103 x 50 cm by chance. So the words both sides share are
weighed by their rarity in the list, and the product of their shares estimates how many
listed objects would agree as well by chance; above ``CHANCE`` the score stays capped.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from opcoord.intel.matching_text import (
    MATERIAL_TERMS,
    PERIOD_TERMS,
    PERSON_TERMS,
    fold,
    name_key,
    numbers,
    stem,
    words,
)

#: Weights of each field in the score (fields either side lacks are left out).
WEIGHTS = {
    "text": 0.45,
    "category": 0.1,
    "materials": 0.1,
    "period": 0.1,
    "inscriptions": 0.15,
    "dimensions": 0.1,
}
FIELD_MATCHED = 0.6
#: An inscription this similar, or every listed dimension found, identifies the object;
#: without either the score stays at ``UNIDENTIFIED_CAP`` (below the default threshold).
IDENTIFYING = 0.8
UNIDENTIFIED_CAP = 0.55
#: Identifying fields identify only when what both sides share is rare in the list:
#: at most this many of its objects would agree as well by chance.
CHANCE = 0.02
#: A list this long at least tells how common a word is; a shorter one is not judged so.
ESTIMABLE = 50
#: Below this the descriptions speak of another object, whatever else agrees.
MIN_TEXT = 0.4
#: Candidates scored in full per seizure and list, at most.
CANDIDATES = 12
#: A misspelt word maps to a listed word at this rapidfuzz ratio or above.
WORD_SIMILARITY = 80
#: Candidates come from the words in at most this share of the list (or this many).
RARE_SHARE = 0.01
RARE_MIN = 50
#: Words in more than this share of the list's objects carry no weight.
COMMON_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class Described:
    """An object as the matcher sees it, listed or seized."""

    category: str | None
    text: tuple[str, ...]  # canonical words of title, description, type, maker, features
    materials: frozenset[str] = frozenset()
    period: frozenset[str] = frozenset()
    inscriptions: str = ""  # folded text
    dimensions: tuple[float, ...] = ()
    whole: str = ""  # every text field folded, for inscriptions written in a description
    persons: frozenset[str] = frozenset()  # who is shown, by canonical name


def describe(
    *,
    category: str | None,
    texts: Iterable[str | None],
    materials: str | None = None,
    period: str | None = None,
    inscriptions: str | None = None,
    dimensions: Iterable[str | None] = (),
) -> Described:
    """Normalise the fields of an object (listed or seized) once."""
    text: list[str] = []
    texts = tuple(texts)
    for t in (*texts, materials, period, inscriptions):
        text.extend(words(t))
    dims: list[float] = []
    for d in dimensions:
        dims.extend(numbers(d))
    # The dimensions are words too, so that an object's own measures find it among the
    # dozens that read alike.
    text.extend(str(round(n)) for n in dims if n >= 1)
    return Described(
        category=category or None,
        text=tuple(text),
        materials=frozenset(words(materials)),
        period=frozenset(words(period)),
        inscriptions=fold(inscriptions) if inscriptions else "",
        dimensions=tuple(n for n in dims if n >= 1),
        whole=fold(" ".join(t for t in (*texts, inscriptions) if t)),
        persons=frozenset(text) & PERSON_TERMS,
    )


@dataclass(frozen=True, slots=True)
class Match:
    position: int  # the object's position in the index
    score: float
    fields: tuple[str, ...]
    #: How many listed objects would agree this well by chance (see ``CHANCE``).
    chance: float = 0.0


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _dimensions(listed: Sequence[float], seen: Sequence[float]) -> float:
    """The share of the listed dimensions found among the seizure's numbers, each number
    used once, within 2% (and half a unit of rounding)."""
    if not listed:
        return 0.0
    free = list(seen)
    found = 0
    for d in listed:
        near = min(free, key=lambda s: abs(d - s), default=None)
        if near is not None and abs(d - near) <= 0.02 * d + 0.5:
            found += 1
            free.remove(near)
    return found / len(listed)


@dataclass
class Index:
    """One list's objects, ready to be matched against."""

    objects: list[Described]
    postings: dict[str, np.ndarray] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    norms: list[float] = field(default_factory=list)
    words: list[frozenset[str]] = field(default_factory=list)
    rarity: dict[str, float] = field(default_factory=dict)
    rare_df: int = 0
    _by_initial: dict[str, list[str]] = field(default_factory=dict)
    _by_stem: dict[str, str] = field(default_factory=dict)
    _by_key: dict[str, str] = field(default_factory=dict)
    _mapped: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def build(cls, objects: Sequence[Described]) -> "Index":
        index = cls(list(objects))
        n = max(len(objects), 1)
        lists: dict[str, list[int]] = {}
        for i, obj in enumerate(objects):
            for w in set(obj.text):
                lists.setdefault(w, []).append(i)
        norms = np.zeros(len(objects))
        for w, positions in lists.items():
            share = len(positions) / n
            common = n >= 50 and share > COMMON_SHARE
            weight = 0.0 if common else math.log(1 + n / len(positions))
            index.idf[w] = weight
            index.rarity[w] = math.log(n / len(positions))
            index.postings[w] = np.asarray(positions, dtype=np.int32)
            if weight:
                norms[index.postings[w]] += weight
            if not w.isdigit() and len(w) >= 4:
                index._by_initial.setdefault(w[0], []).append(stem(w))
                known = index._by_stem.get(stem(w))
                if known is None or len(lists[known]) < len(positions):
                    index._by_stem[stem(w)] = w
                known = index._by_key.get(name_key(w))
                if known is None or len(lists[known]) < len(positions):
                    index._by_key[name_key(w)] = w
        index.norms = norms.tolist()
        index.words = [frozenset(o.text) for o in objects]
        index.rare_df = max(RARE_MIN, int(n * RARE_SHARE))
        return index

    def _known(self, word: str) -> str | None:
        """``word`` itself when the list has it, else the nearest listed word, if close."""
        if word in self.idf:
            return word
        if word in self._mapped:
            return self._mapped[word]
        near = None
        if len(word) >= 4 and not word.isdigit():
            # A name the onomasticon lacks, transliterated (``Гераклея``, Heraclea) or
            # inflected: the listed word written alike (``name_key``).
            near = self._by_key.get(name_key(word))
        if near is None and len(word) >= 4 and not word.isdigit():
            # Compared without their endings: a Greek genitive finds the listed name.
            found = process.extractOne(
                stem(word),
                self._by_initial.get(word[0], ()),
                scorer=fuzz.ratio,
                score_cutoff=WORD_SIMILARITY,
            )
            near = self._by_stem[found[0]] if found else None
        self._mapped[word] = near
        return near

    def match(self, seized: Described, threshold: float) -> list[Match]:
        """The listed objects that ``seized`` matches at ``threshold`` or above, best first."""
        if not self.objects:
            return []
        probe: dict[str, str] = {}  # listed word -> the seizure's word
        for w in seized.text:
            known = self._known(w)
            if known is not None and self.idf.get(known):
                probe.setdefault(known, w)
        if not probe:
            return []
        total = sum(self.idf[w] for w in probe)
        # Candidates: the objects sharing the seizure's rarest words (a word most of the
        # list has finds nothing), summed in numpy over their postings only.
        rare = [w for w in probe if len(self.postings[w]) <= self.rare_df] or list(probe)
        positions = np.concatenate([self.postings[w] for w in rare])
        weights = np.repeat([self.idf[w] for w in rare], [len(self.postings[w]) for w in rare])
        # A dense sum over the list is cheaper than sorting the postings (np.unique).
        dense = np.bincount(positions, weights=weights, minlength=len(self.objects))
        found = np.flatnonzero(dense)
        sums = dense[found]
        pool = min(CANDIDATES * 4, len(found))
        best = found[np.argpartition(-sums, pool - 1)[:pool]] if pool < len(found) else found
        # Text is under half of the score: a candidate needs some of it to reach the rest.
        floor = max(0.2, threshold - (1 - WEIGHTS["text"]))
        scored = []
        for i in best.tolist():
            words = self.words[i]
            shared = sum(self.idf[w] for w in probe if w in words)
            # A weighted Ochiai coefficient: shared rarity over both sides' rarity.
            text = shared / math.sqrt(total * self.norms[i]) if self.norms[i] else 0.0
            if text >= floor:
                scored.append((text, i))
        scored.sort(reverse=True)
        out = []
        n = len(self.objects)
        for text, i in scored[:CANDIDATES]:
            # What the two sides share, in rarity: -log of the chance that a listed
            # object has all those words, were they independent.
            agreed = sum(self.rarity[w] for w in probe if w in self.words[i])
            chance = n * math.exp(-agreed) if n >= ESTIMABLE else 0.0
            if threshold > UNIDENTIFIED_CAP and (chance > CHANCE or text < MIN_TEXT):
                continue  # held at the cap whatever its fields say (see ``_score``)
            match = self._score(i, min(text, 1.0), seized, chance)
            if match.score >= threshold:
                out.append(match)
        return sorted(out, key=lambda m: -m.score)

    def _score(self, i: int, text: float, seized: Described, chance: float = 0.0) -> Match:
        listed = self.objects[i]
        parts: dict[str, float] = {"text": text}
        if listed.category and seized.category:
            parts["category"] = 1.0 if listed.category == seized.category else 0.0
        # A field the seizure does not speak of is left out, not counted against it.
        seen = set(seized.text)
        said = seized.materials | (seen & MATERIAL_TERMS)
        if listed.materials and said:
            parts["materials"] = _overlap(
                listed.materials & MATERIAL_TERMS or listed.materials, said
            )
        years = {w for w in listed.period if w.isdigit()}
        if years and (seized.period or seen & PERIOD_TERMS):
            parts["period"] = 1.0 if years & (seized.period | seen) else 0.0
        elif listed.period and seized.period:
            parts["period"] = _overlap(listed.period, seized.period)
        if listed.inscriptions and seized.inscriptions:
            parts["inscriptions"] = fuzz.ratio(listed.inscriptions, seized.inscriptions) / 100
        elif listed.inscriptions and seized.whole:
            # Written in the description: look for it there, count it only when found.
            ratio = fuzz.partial_ratio(listed.inscriptions, seized.whole)
            if ratio >= 90 and len(listed.inscriptions) >= 6:
                parts["inscriptions"] = ratio / 100
        if listed.dimensions and seized.dimensions:
            parts["dimensions"] = _dimensions(listed.dimensions, seized.dimensions)
        weight = sum(WEIGHTS[k] for k in parts)
        score = sum(WEIGHTS[k] * v for k, v in parts.items()) / weight
        # Lists hold dozens of icons of Saint Nicholas in silver: only an identifying
        # field (the inscription, the dimensions) makes one of them this seizure, and
        # only when all that agrees is rare enough in the list (``chance``): measures
        # recur among fifty thousand objects, so do short inscriptions.
        # Measures do not make a statue of Dionysus the seized statue of Saint Michael:
        # where both sides name whom the object shows and name no one in common, only
        # the inscription identifies.
        others = bool(listed.persons and seized.persons and not listed.persons & seized.persons)
        measured = parts.get("dimensions", 0) >= 0.99 and text >= 0.5 and not others
        identified = parts.get("inscriptions", 0) >= IDENTIFYING or measured
        if not identified or text < MIN_TEXT or chance > CHANCE:
            score = min(score, UNIDENTIFIED_CAP)
        if parts.get("category") == 0.0:
            score *= 0.85  # officers misfile now and then, but it counts against
        matched = tuple(k for k, v in parts.items() if v >= FIELD_MATCHED)
        return Match(i, round(score, 3), matched, chance)
