"""The catalogue as one object: the records, lookups by code, and free-text search.

A catalogue file may have translations beside it (``smr-rmm.es.yaml`` next to ``smr-rmm.yaml``):
:meth:`Catalogue.in_language` gives the same catalogue in that language (names, titles, keywords,
examples, the concept lexicon's words, and a search in that language), read on first use.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from catalogue.language import fold
from catalogue.loader import CatalogueData, default_path, read_catalogue, read_translation, translation_paths
from catalogue.model import Action, Area, Domain, Match, Stage

WORD = re.compile(r"[^\W\d_]+")

if TYPE_CHECKING:
    from catalogue.search import SearchIndex


class Catalogue:
    """A validated maturity catalogue; load one with :meth:`Catalogue.load`."""

    def __init__(
        self,
        data: CatalogueData,
        path: Path | None = None,
        translations: dict[str, Path] | None = None,
        base: Catalogue | None = None,
    ) -> None:
        self.id = data.id
        self.name = data.name
        self.version = data.version
        self.language = data.language
        self.source = data.source
        self.path = path
        self.domains = data.domains
        self.areas = data.areas
        self.stages = data.stages
        self.actions = data.actions
        self.area_keywords = data.area_keywords
        self.concepts = data.concepts
        self._data = data
        self._domains = {domain.code: domain for domain in data.domains}
        self._areas = {area.code: area for area in data.areas}
        self._stages = {stage.code: stage for stage in data.stages}
        self._actions = {action.code: action for action in data.actions}
        self.base = base or self
        """The catalogue in its own language (the one translated); itself when it is that one."""
        self._translations = dict(translations or {})
        self._in_language: dict[str, Catalogue] = {self.language: self}
        self._translating = threading.Lock()

    @classmethod
    def load(cls, path: Path | str | None = None) -> Catalogue:
        """Read and check a catalogue file (the packaged SMR model by default); translations are found beside it."""
        file = Path(path) if path is not None else default_path()
        return cls(read_catalogue(file), Path(path) if path is not None else None, translation_paths(file))

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages this catalogue can be read in: its own first, then its translations'."""
        return (self.base.language, *(code for code in self.base._translations if code != self.base.language))

    def in_language(self, language: str | None) -> Catalogue:
        """This catalogue in ``language`` (read and checked on first use); itself in its own, or one it lacks."""
        base = self.base
        if language is None or language not in base._translations:
            return base
        found = base._in_language.get(language)
        if found is None:
            with base._translating:
                found = base._in_language.get(language)
                if found is None:
                    data = read_translation(base._translations[language], base._data, base.source_path, language)
                    found = base._in_language[language] = Catalogue(data, base.path, base=base)
        return found

    @cached_property
    def spelling(self) -> dict[str, str]:
        """Accent-folded word -> how the catalogue spells it ("planificacion" -> "planificación").

        The search matches folded words; a reason shown to an official puts the accents back. Only words
        with accents are here (an English catalogue's map is empty).
        """
        seen: dict[str, Counter[str]] = {}
        texts = [a.title for a in self.areas] + [c for concept in self.concepts for c in concept.words]
        texts += [t for a in self.actions for t in (a.title, *a.keywords, *a.examples)]
        texts += [k for keywords in self.area_keywords.values() for k in keywords]
        for text in texts:
            for word in WORD.findall(text.casefold()):
                folded = fold(word)
                if folded != word:
                    seen.setdefault(folded, Counter())[word] += 1
        return {folded: spellings.most_common(1)[0][0] for folded, spellings in seen.items()}

    @property
    def translations(self) -> dict[str, Path]:
        """The translation files found beside the catalogue, by language."""
        return dict(self.base._translations)

    @property
    def source_path(self) -> Path:
        """The catalogue file (the packaged one when loaded without a path)."""
        return self.base.path if self.base.path is not None else default_path()

    def __repr__(self) -> str:
        return f"<Catalogue {self.id} {self.version}: {len(self.actions)} actions>"

    def domain(self, code: str) -> Domain:
        return self._domains[code]

    def area(self, code: str) -> Area:
        return self._areas[code]

    def stage(self, code: str) -> Stage:
        return self._stages[code]

    def action(self, code: str) -> Action:
        return self._actions[code]

    def has_action(self, code: str) -> bool:
        return code in self._actions

    def areas_of(self, domain: str) -> tuple[Area, ...]:
        return tuple(area for area in self.areas if area.domain == domain)

    def actions_of(self, area: str, stage: str | None = None) -> tuple[Action, ...]:
        """The actions of an area (optionally of one stage), in catalogue order."""
        return tuple(a for a in self.actions if a.area == area and (stage is None or a.stage == stage))

    def stages_of(self, area: str) -> tuple[Stage, ...]:
        """The stages that have at least one action in ``area``, in order (not every area has all)."""
        present = {action.stage for action in self.actions if action.area == area}
        return tuple(stage for stage in self.stages if stage.code in present)

    def sorted_actions(self, actions: Iterable[Action]) -> list[Action]:
        """Actions ordered the way the catalogue lists urgency: by stage, then by code."""
        return sorted(actions, key=lambda a: (self._stages[a.stage].order, a.code))

    @cached_property
    def _index(self) -> SearchIndex:
        # The search module (snowballstemmer, rapidfuzz) is imported with the first search, not at every start.
        from catalogue.search import SearchIndex

        return SearchIndex(self._data)

    def prepare_search(self) -> None:
        """Build the search index now, e.g. in the background once the bot serves; otherwise the first search does."""
        self._index  # noqa: B018 - a cached property: built here once

    def search(self, text: str, limit: int | None = None) -> list[Match]:
        """The best matching actions for free text, best first (see :mod:`catalogue.search`).

        ``limit`` defaults to :data:`catalogue.search.DEFAULT_LIMIT`.
        """
        return self._index.search(text) if limit is None else self._index.search(text, limit=limit)

    def question_of(self, text: str) -> str | None:
        """In a long message of several sentences, the sentences that ask (``None`` when it is not one).

        The search weighs these first (see :meth:`catalogue.search.SearchIndex.question_of`).
        """
        return self._index.question_of(text)
