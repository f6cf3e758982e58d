"""Free-text search over the catalogue (placeholder until the tuned index lands)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process, utils

from catalogue.model import Match

if TYPE_CHECKING:
    from catalogue.catalogue import Catalogue

CONFIDENT_SCORE = 70.0


class SearchIndex:
    def __init__(self, catalogue: Catalogue) -> None:
        self.actions = catalogue.actions
        self.documents = [" ".join((a.title, *a.keywords)) for a in self.actions]

    def search(self, text: str, limit: int = 3) -> list[Match]:
        hits = process.extract(text, self.documents, scorer=fuzz.token_set_ratio, processor=utils.default_process, limit=limit)
        return [Match(self.actions[i], score, score >= CONFIDENT_SCORE) for _, score, i in hits]
