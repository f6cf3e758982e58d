"""Reads a catalogue YAML file and validates it, so a broken file fails loudly and precisely.

Every error names the file, the line, the entry and the field, because the people who
edit catalogue files (city staff, network coordinators) are not programmers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, cast

import yaml

from catalogue.model import Action, Area, Concept, Domain, Stage

DEFAULT_CATALOGUE = "smr-rmm.yaml"
HEADER_FIELDS = ("id", "name", "version", "source")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9]+$")
#: A concept lexicon entry is a word or a short phrase.
MAX_CONCEPT_ENTRY_WORDS = 3


class CatalogueError(ValueError):
    """A catalogue file is unreadable or inconsistent; the message says where and why."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.problem = message
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class CatalogueData:
    """Everything a validated file holds, ready for :class:`catalogue.Catalogue`."""

    id: str
    name: str
    version: str
    language: str
    source: str
    domains: tuple[Domain, ...]
    areas: tuple[Area, ...]
    stages: tuple[Stage, ...]
    actions: tuple[Action, ...]
    area_keywords: dict[str, tuple[str, ...]]
    #: The field's concept lexicon (optional: a catalogue without one searches by its own words).
    concepts: tuple[Concept, ...] = ()
    #: The lexicon's file as the header names it, relative to the catalogue (translations sit beside it).
    concepts_file: str = ""


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers on which line each mapping starts."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = cast(dict[str, Any], loader.construct_mapping(node, deep=True))  # the catalogue's keys are strings
    mapping["__line__"] = node.start_mark.line + 1
    mapping["__lines__"] = {key.value: key.start_mark.line + 1 for key, _ in node.value if hasattr(key, "value")}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

if getattr(yaml, "__with_libyaml__", False):

    class _FastLineLoader(yaml.CSafeLoader):
        """The same, on libyaml's C parser: ten times faster (20 ms instead of 190 for the SMR model)."""

    _FastLineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _FAST_LOADER: type[Any] | None = _FastLineLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _FAST_LOADER = None


def default_path() -> Path:
    """The SMR catalogue shipped inside the package."""
    return Path(str(resources.files("catalogue") / "data" / DEFAULT_CATALOGUE))


def read_catalogue(path: Path | str | None = None) -> CatalogueData:
    """Parse and validate a catalogue file (the packaged SMR model by default)."""
    path = Path(path) if path is not None else default_path()
    return _Validator(path).document(_read_yaml(path))


def _read_yaml(path: Path) -> Any:
    """The YAML document of a file, every mapping with its line numbers."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogueError(path, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(path, None, f"cannot read the file ({exc})") from None
    if _FAST_LOADER is not None:
        try:
            return yaml.load(text, Loader=_FAST_LOADER)  # noqa: S506 - a CSafeLoader subclass
        except yaml.YAMLError:
            pass  # parsed again below, so that a broken file is reported in the same words either way
    try:
        document = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        context = (
            f" ({exc.context} started on line {exc.context_mark.line + 1})" if exc.context and exc.context_mark else ""
        )
        raise CatalogueError(path, line, f"invalid YAML: {exc.problem}{context}") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(path, None, f"invalid YAML: {exc}") from None
    return document


class _Validator:
    """Turns the raw YAML document into records, collecting the location of each problem."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, entry: dict[str, Any] | None, message: str, field: str | None = None) -> CatalogueError:
        """An error located at ``field``'s line when the entry has it, else at the entry's first line."""
        if not entry:
            return CatalogueError(self.path, None, message)
        line = entry.get("__lines__", {}).get(field) or entry.get("__line__")
        return CatalogueError(self.path, line, message)

    def document(self, document: Any) -> CatalogueData:
        if not isinstance(document, dict):
            raise self.fail(
                None, "the file must be a mapping with 'catalogue', 'domains', 'stages', 'areas' and 'actions'"
            )
        header = self.mapping(document, "catalogue", None)
        for name in HEADER_FIELDS:
            self.text(header, name, "catalogue")
        domains = tuple(
            Domain(code=self.code(entry, where), name=self.text(entry, "name", where))
            for entry, where in self.entries(document, "domains")
        )
        self.unique(document, "domains", domains)
        stages = tuple(
            Stage(
                code=self.code(entry, where),
                name=self.text(entry, "name", where),
                description=self.text(entry, "description", where),
                order=order,
            )
            for order, (entry, where) in enumerate(self.entries(document, "stages"))
        )
        self.unique(document, "stages", stages)
        domain_codes = {domain.code for domain in domains}
        areas: list[Area] = []
        area_keywords: dict[str, tuple[str, ...]] = {}
        for entry, where in self.entries(document, "areas"):
            area = Area(
                code=self.code(entry, where),
                domain=self.reference(entry, "domain", domain_codes, where),
                title=self.text(entry, "title", where),
            )
            areas.append(area)
            area_keywords[area.code] = self.keywords(entry, where)
        self.unique(document, "areas", areas)
        actions = self.actions(document, {area.code: area for area in areas}, stages)
        concepts = self.concepts(document, where="concepts") if "concepts" in document else ()
        if header.get("concepts") is not None:
            concepts += self.concepts_file(header)
        return CatalogueData(
            id=str(header["id"]).strip(),
            name=str(header["name"]).strip(),
            version=str(header["version"]).strip(),
            language=str(header.get("language") or "en").strip(),
            source=str(header["source"]).strip(),
            domains=domains,
            areas=tuple(areas),
            stages=stages,
            actions=actions,
            area_keywords=area_keywords,
            concepts=concepts,
            concepts_file=str(header.get("concepts") or "").strip(),
        )

    def concepts_file(self, header: dict[str, Any]) -> tuple[Concept, ...]:
        """The concept lexicon of the file the header's ``concepts`` names, relative to this file."""
        name = self.text(header, "concepts", "catalogue")
        path = self.path.parent / name
        if not path.is_file():
            raise self.fail(header, f"catalogue: concepts file {name!r} not found next to the catalogue", "concepts")
        document = _read_yaml(path)
        if not isinstance(document, dict) or "concepts" not in document:
            raise CatalogueError(path, None, "the concepts file must be a mapping with a 'concepts' list")
        return _Validator(path).concepts(document, where="concepts")

    def concepts(self, document: dict[str, Any], where: str) -> tuple[Concept, ...]:
        """A concept lexicon: a list of ``{name, words: [word or short phrase, ...]}``."""
        concepts: list[Concept] = []
        names: set[str] = set()
        for entry, label in self.entries(document, where):
            name = self.text(entry, "name", label)
            label = f"concept {name!r}"
            if name in names:
                raise self.fail(entry, f"duplicate concept {name!r}", "name")
            names.add(name)
            words = self.phrases(entry, "words", label, "words or short phrases")
            if not words:
                raise self.fail(entry, f"{label}: field 'words' needs at least one word", "words")
            long = [word for word in words if len(word.split()) > MAX_CONCEPT_ENTRY_WORDS]
            if long:
                raise self.fail(
                    entry, f"{label}: {long[0]!r} is not a word or a short phrase (at most 3 words)", "words"
                )
            hazard = entry.get("hazard", False)
            if not isinstance(hazard, bool):
                raise self.fail(entry, f"{label}: field 'hazard' must be true or false", "hazard")
            implies = self.phrases(entry, "implies", label, "concept names")
            concepts.append(Concept(name=name, words=words, hazard=hazard, implies=implies))
        known = {concept.name for concept in concepts}
        for concept, (entry, _) in zip(concepts, self.entries(document, where), strict=True):
            unknown = [name for name in concept.implies if name not in known]
            if unknown:
                raise self.fail(entry, f"concept {concept.name!r}: implies unknown concept {unknown[0]!r}", "implies")
        return tuple(concepts)

    def actions(
        self, document: dict[str, Any], areas: dict[str, Area], stages: tuple[Stage, ...]
    ) -> tuple[Action, ...]:
        stage_order = {stage.code: stage.order for stage in stages}
        actions: list[Action] = []
        last_stage_in_area: dict[str, tuple[int, str]] = {}
        for entry, where in self.entries(document, "actions"):
            code = self.code(entry, where)
            where = f"action {code}"
            area_code = self.reference(entry, "area", areas.keys(), where)
            stage_code = self.reference(entry, "stage", stage_order.keys(), where)
            if not re.fullmatch(rf"{re.escape(area_code)}{re.escape(stage_code)}\d+", code):
                raise self.fail(
                    entry,
                    f"{where}: code does not match its area and stage (expected {area_code}{stage_code}<number>)",
                    "code",
                )
            previous = last_stage_in_area.get(area_code)
            if previous and stage_order[stage_code] < previous[0]:
                raise self.fail(
                    entry,
                    f"{where}: stage out of order, stage {stage_code} comes after stage {previous[1]}"
                    f" in area {area_code}",
                    "stage",
                )
            last_stage_in_area[area_code] = (stage_order[stage_code], stage_code)
            actions.append(
                Action(
                    code=code,
                    domain=areas[area_code].domain,
                    area=area_code,
                    stage=stage_code,
                    title=self.text(entry, "title", where),
                    keywords=self.keywords(entry, where),
                    examples=self.phrases(entry, "examples", where, "questions"),
                )
            )
        self.unique(document, "actions", actions)
        return tuple(actions)

    def mapping(self, document: dict[str, Any], key: str, where: str | None) -> dict[str, Any]:
        value = document.get(key)
        if not isinstance(value, dict):
            prefix = f"{where}: " if where else ""
            raise self.fail(document, f"{prefix}missing section '{key}' (a mapping)")
        return value

    def entries(self, document: dict[str, Any], key: str) -> list[tuple[dict[str, Any], str]]:
        """The entries of a top-level list, each with a label such as ``actions[3]``."""
        value = document.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail(document, f"missing or empty section '{key}' (a list)")
        result = []
        for index, entry in enumerate(value):
            where = f"{key}[{index}]"
            if not isinstance(entry, dict):
                raise self.fail(document, f"{where}: each entry must be a mapping of fields")
            result.append((entry, where))
        return result

    def text(self, entry: dict[str, Any], field: str, where: str) -> str:
        value = entry.get(field)
        if value is None:
            raise self.fail(entry, f"{where}: missing field '{field}'")
        if isinstance(value, (dict, list)):
            raise self.fail(entry, f"{where}: field '{field}' must be text", field)
        text = str(value).strip()
        if not text:
            raise self.fail(entry, f"{where}: field '{field}' is empty", field)
        return text

    def code(self, entry: dict[str, Any], where: str) -> str:
        code = self.text(entry, "code", where)
        if not CODE_PATTERN.match(code):
            raise self.fail(entry, f"{where}: field 'code' must be letters and digits only, got {code!r}", "code")
        return code

    def reference(self, entry: dict[str, Any], field: str, known: Any, where: str) -> str:
        value = self.text(entry, field, where)
        if value not in known:
            raise self.fail(entry, f"{where}: unknown {field} {value!r} (known: {', '.join(sorted(known))})", field)
        return value

    def keywords(self, entry: dict[str, Any], where: str) -> tuple[str, ...]:
        return self.phrases(entry, "keywords", where, "words or phrases")

    def phrases(self, entry: dict[str, Any], field: str, where: str, kind: str) -> tuple[str, ...]:
        """An optional list of texts (keywords, example questions, concept words); blanks dropped."""
        value = entry.get(field, [])
        if value is None:
            return ()
        if not isinstance(value, list) or any(isinstance(item, (dict, list)) for item in value):
            raise self.fail(entry, f"{where}: field '{field}' must be a list of {kind}", field)
        return tuple(str(item).strip() for item in value if item is not None and str(item).strip())

    def unique(self, document: dict[str, Any], key: str, records: Any) -> None:
        seen: set[str] = set()
        for index, record in enumerate(records):
            if record.code in seen:
                entry = document[key][index]
                raise self.fail(entry, f"duplicate code {record.code!r} in '{key}'", "code")
            seen.add(record.code)


# --- translations ---------------------------------------------------------------------------

TRANSLATION_SECTIONS = ("domains", "stages", "areas", "actions")
TRANSLATION_FIELDS = {
    "domains": ("name",),
    "stages": ("name", "description"),
    "areas": ("title",),
    "actions": ("title",),
}
"""The texts each entry of a translation must give (keywords and examples are lists, checked apart)."""
TRANSLATION_NAME = re.compile(r"^(?P<stem>.+)\.(?P<language>[a-z]{2,3})\.ya?ml$")
"""``smr-rmm.es.yaml``: the catalogue ``smr-rmm.yaml`` in Spanish, beside it."""


class CatalogueErrors(CatalogueError):
    """Several problems of a translation at once, each with its file and line: a translator fixes them in one go."""

    def __init__(self, problems: list[CatalogueError]) -> None:
        self.problems = problems
        first = problems[0]
        super().__init__(first.path, first.line, first.problem)
        self.args = ("\n".join(str(problem) for problem in problems),)

    def __str__(self) -> str:
        return str(self.args[0])


def translation_paths(path: Path) -> dict[str, Path]:
    """The translations beside a catalogue file, by language: ``smr-rmm.<language>.yaml`` next to ``smr-rmm.yaml``."""
    found: dict[str, Path] = {}
    if not path.parent.is_dir():
        return found
    for candidate in sorted(path.parent.glob(f"{path.stem}.*{path.suffix}")):
        match = TRANSLATION_NAME.match(candidate.name)
        if match and match["stem"] == path.stem:
            found[match["language"]] = candidate
    return found


def concepts_translation_path(base_path: Path, base: CatalogueData, language: str) -> Path | None:
    """The concept lexicon in ``language`` beside the catalogue's own (``smr-concepts.es.yaml``)."""
    if not base.concepts_file:
        return None
    lexicon = Path(base.concepts_file)
    return base_path.parent / lexicon.parent / f"{lexicon.stem}.{language}{lexicon.suffix}"


def read_translation(path: Path, base: CatalogueData, base_path: Path, language: str | None = None) -> CatalogueData:
    """The catalogue ``base`` in the language of the translation file ``path`` (and its concept lexicon).

    Every problem is collected, each with file and line: a missing or unknown code, an empty title,
    a concept the lexicon does not have. Raises :class:`CatalogueErrors` when there is any.
    """
    checker = _TranslationChecker(path, base, base_path)
    return checker.translation(_read_yaml(path), language)


class _TranslationChecker(_Validator):
    """A translation file checked against the catalogue it translates, every problem kept."""

    def __init__(self, path: Path, base: CatalogueData, base_path: Path) -> None:
        super().__init__(path)
        self.base = base
        self.base_path = base_path
        self.problems: list[CatalogueError] = []

    def problem(self, entry: dict[str, Any] | None, message: str, field: str | None = None) -> None:
        self.problems.append(self.fail(entry, message, field))

    def translation(self, document: Any, language: str | None) -> CatalogueData:
        if not isinstance(document, dict):
            raise self.fail(
                None,
                "a translation must be a mapping with 'translation', "
                + ", ".join(f"'{name}'" for name in TRANSLATION_SECTIONS),
            )
        header = document.get("translation")
        if not isinstance(header, dict):
            raise self.fail(document, "missing section 'translation' (of, language, by)")
        of = str(header.get("of") or "").strip()
        if of != self.base.id:
            self.problem(
                header, f"translation: 'of' must be {self.base.id!r} (the catalogue translated), got {of!r}", "of"
            )
        code = str(header.get("language") or "").strip()
        if not re.fullmatch(r"[a-z]{2,3}", code):
            self.problem(
                header, f"translation: 'language' must be a language code such as 'es', got {code!r}", "language"
            )
        elif language is not None and code != language:
            self.problem(header, f"translation: 'language' is {code!r} but the file name says {language!r}", "language")
        sections = {name: self.section(document, name) for name in TRANSLATION_SECTIONS}
        domains = tuple(
            Domain(code=d.code, name=self.field(sections["domains"], d.code, "name", d.name)) for d in self.base.domains
        )
        stages = tuple(
            Stage(
                code=s.code,
                name=self.field(sections["stages"], s.code, "name", s.name),
                description=self.field(sections["stages"], s.code, "description", s.description),
                order=s.order,
            )
            for s in self.base.stages
        )
        areas = tuple(
            Area(code=a.code, domain=a.domain, title=self.field(sections["areas"], a.code, "title", a.title))
            for a in self.base.areas
        )
        area_keywords = {a.code: self.list_field(sections["areas"], a.code, "keywords") for a in self.base.areas}
        actions = tuple(
            Action(
                code=a.code,
                domain=a.domain,
                area=a.area,
                stage=a.stage,
                title=self.field(sections["actions"], a.code, "title", a.title),
                keywords=self.list_field(sections["actions"], a.code, "keywords"),
                examples=self.list_field(sections["actions"], a.code, "examples"),
                original=a.title,
            )
            for a in self.base.actions
        )
        concepts = self.lexicon(code or language or "")
        if self.problems:
            raise CatalogueErrors(self.problems)
        return CatalogueData(
            id=self.base.id,
            name=self.base.name,
            version=self.base.version,
            language=code,
            source=self.base.source,
            domains=domains,
            areas=areas,
            stages=stages,
            actions=actions,
            area_keywords=area_keywords,
            concepts=concepts,
            concepts_file=self.base.concepts_file,
        )

    def section(self, document: dict[str, Any], name: str) -> dict[str, Any]:
        """A section keyed by code; each code of the catalogue present, no other."""
        section = document.get(name)
        if not isinstance(section, dict):
            self.problem(document, f"missing section '{name}' (a mapping of codes)", name)
            return {}
        known = [record.code for record in getattr(self.base, name)]
        codes = [key for key in section if not str(key).startswith("__")]
        missing = [code for code in known if code not in section]
        if missing:
            shown = ", ".join(missing[:12]) + (f" and {len(missing) - 12} more" if len(missing) > 12 else "")
            self.problem(document, f"{name}: missing {len(missing)} of {len(known)}: {shown}", name)
        for code in codes:
            if code not in known:
                self.problem(section, f"{name}: unknown code {code!r} (not in {self.base.id})", str(code))
            elif not isinstance(section[code], dict):
                self.problem(section, f"{name} {code}: must be a mapping of fields", str(code))
        return {code: entry for code, entry in section.items() if isinstance(entry, dict)}

    def field(self, section: dict[str, Any], code: str, name: str, original: str) -> str:
        entry = section.get(code)
        if entry is None:
            return original  # reported as missing with the section
        value = entry.get(name)
        if value is None or isinstance(value, (dict, list)) or not str(value).strip():
            self.problem(entry, f"{code}: field '{name}' is missing or empty", name)
            return original
        return str(value).strip()

    def list_field(self, section: dict[str, Any], code: str, name: str) -> tuple[str, ...]:
        entry = section.get(code)
        if entry is None:
            return ()
        try:
            return self.phrases(entry, name, code, "words or phrases" if name == "keywords" else "questions")
        except CatalogueError as error:
            self.problems.append(error)
            return ()

    def lexicon(self, language: str) -> tuple[Concept, ...]:
        """The concept lexicon's words in the language; names, hazards and implications stay the catalogue's."""
        if not self.base.concepts:
            return ()
        path = concepts_translation_path(self.base_path, self.base, language)
        if path is None:
            return ()
        if not path.is_file():
            self.problem(None, f"no concept lexicon {path.name} beside the translation (every language needs one)")
            return ()
        checker = _TranslationChecker(path, self.base, self.base_path)
        try:
            document = _read_yaml(path)
        except CatalogueError as error:
            self.problems.append(error)
            return ()
        if not isinstance(document, dict) or not isinstance(document.get("concepts"), dict):
            self.problems.append(
                CatalogueError(path, None, "must be a mapping with 'language' and 'concepts' (name: [words])")
            )
            return ()
        if str(document.get("language") or "").strip() != language:
            checker.problem(document, f"'language' must be {language!r}", "language")
        entries = document["concepts"]
        known = {concept.name for concept in self.base.concepts}
        for name in entries:
            if not str(name).startswith("__") and name not in known:
                checker.problem(entries, f"unknown concept {name!r} (names stay as in the English lexicon)", str(name))
        concepts = []
        for concept in self.base.concepts:
            words = entries.get(concept.name)
            if words is None:
                checker.problem(entries, f"concept {concept.name!r} is missing")
                continue
            if not isinstance(words, list) or any(isinstance(word, (dict, list)) for word in words):
                checker.problem(
                    entries, f"concept {concept.name!r}: must be a list of words or short phrases", concept.name
                )
                continue
            kept = tuple(str(word).strip() for word in words if word is not None and str(word).strip())
            long = [word for word in kept if len(word.split()) > MAX_CONCEPT_ENTRY_WORDS]
            if not kept:
                checker.problem(entries, f"concept {concept.name!r} has no words", concept.name)
            elif long:
                checker.problem(
                    entries,
                    f"concept {concept.name!r}: {long[0]!r} is not a word or a short phrase (at most 3 words)",
                    concept.name,
                )
            else:
                concepts.append(Concept(name=concept.name, words=kept, hazard=concept.hazard, implies=concept.implies))
        self.problems += checker.problems
        return tuple(concepts)
