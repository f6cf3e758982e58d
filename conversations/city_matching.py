"""A typed city name matched to the known ones: the same city however it is spelled, or the close ones.

Matching, not storage: the stores hand the known cities in (``conversations.stores.Cities``,
``coordination.city_named``), and only the normalised key (:func:`city_key`) is stored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import OSA

from conversations.storage.models import City

CITY_MATCH_CUTOFF = 80.0
"""rapidfuzz WRatio score from which a typed city name is offered as "did you mean ...?"."""
CITY_MATCH_LIMIT = 3
CITY_TYPO_EDITS = 2
"""A typed name this many edits (swaps count as one) from a known city's is offered too..."""
CITY_TYPO_SHORT = 5
"""...but only one edit for names of up to this many characters (short names are close to many)."""


def city_key(name: str) -> str:
    """The normalised form two spellings of one city share: no accents, case or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", " ", plain.casefold()).strip()


def match_cities(name: str, cities: Sequence[City]) -> tuple[City | None, list[City]]:
    """The city with exactly this (normalised) name, else the known cities whose names are close, closest first."""
    key = city_key(name)
    for city in cities:
        if city.key == key:
            return city, []
    keys = [city.key for city in cities]
    hits = process.extract(
        key, keys, scorer=fuzz.WRatio, processor=utils.default_process, limit=None, score_cutoff=CITY_MATCH_CUTOFF
    )
    found = {index: score for _, score, index in hits}
    budget = CITY_TYPO_EDITS if len(key) > CITY_TYPO_SHORT else 1
    for _, distance, index in process.extract(key, keys, scorer=OSA.distance, limit=None, score_cutoff=budget):
        found.setdefault(index, CITY_MATCH_CUTOFF - distance)  # a close typo ("Gnet", "Gant" for "Gent")
    best = sorted(found, key=lambda index: -found[index])[:CITY_MATCH_LIMIT]
    return None, [cities[index] for index in best]
