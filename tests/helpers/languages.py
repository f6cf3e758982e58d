"""Test-only languages: a texts folder and catalogue translations made for a test, never the shipped files.

The real translations (``conversations/texts/<code>.yaml``, ``catalogue/data/smr-rmm.<code>.yaml``) are
written by translators; the machinery is tested here on stand-ins made from English, so the tests run
whatever translations exist. A stand-in sentence is the English one marked with its language
(``[pt] 👋 Welcome...``), so a test can tell which language a reply is in, by text key as always.
Catalogue stand-ins carry a few real Spanish titles and keywords, enough to test Spanish search.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from catalogue import Catalogue
from catalogue.loader import default_path
from conversations import texts as texts_module
from conversations.texts import is_plural

TEXTS = Path(texts_module.__file__).parent
KEEP_AS_IS = ("language.names", "language.button", "language.button_current")
"""Keys that are the same in every language (each language's own name, on its button)."""


def marked(tree: Mapping[str, Any], code: str, prefix: str = "") -> dict[str, Any]:
    """The English texts with every sentence marked ``[code] ``, placeholders and plural forms kept."""
    out: dict[str, Any] = {}
    for name, value in tree.items():
        key = f"{prefix}{name}"
        if any(key == kept or key.startswith(kept + ".") for kept in KEEP_AS_IS):
            out[name] = value
        elif is_plural(value):
            out[name] = {category: f"[{code}] {form}" for category, form in value.items()}
        elif isinstance(value, Mapping):
            out[name] = marked(value, code, key + ".")
        else:
            out[name] = f"[{code}] {value}" if isinstance(value, str) else value
    return out


def stand_in_texts(folder: Path, codes: Iterable[str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A texts folder with English and a marked stand-in for each of ``codes``; the texts module reads it."""
    folder.mkdir(parents=True, exist_ok=True)
    english = (TEXTS / "en.yaml").read_text(encoding="utf-8")
    (folder / "en.yaml").write_text(english, encoding="utf-8")
    tree = yaml.safe_load(english)
    for code in codes:
        (folder / f"{code}.yaml").write_text(yaml.safe_dump(marked(tree, code), allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(texts_module, "FOLDER", folder)
    return folder


SPANISH = {
    "P2M1": (
        "Organizar formaciones y simulacros de emergencia con voluntarios",
        ["simulacro", "simulacros", "voluntariado", "ejercicios", "capacitación"],
    ),
    "P2R1": ("Crear una red sólida de voluntarios", ["red de voluntarios", "voluntariado", "defensa civil"]),
    "P2S2": ("Informar a la ciudadanía de las oportunidades de voluntariado", ["voluntariado", "vecinos"]),
    "I2S3": ("Crear un fondo de ayuda para emergencias y desastres", ["fondo de emergencia", "ayuda humanitaria"]),
    "I2M1": ("Integrar el plan de acción de resiliencia en el presupuesto municipal", ["presupuesto", "finanzas"]),
    "L4M1": (
        "Elaborar un plan de acción de resiliencia frente a choques y tensiones crónicas",
        ["plan de resiliencia", "estrategia de resiliencia"],
    ),
    "I1S3": (
        "Elaborar planes de contingencia para las infraestructuras críticas",
        ["continuidad", "servicios básicos"],
    ),
    "L1S2": (
        "Integrar la resiliencia en la planificación y las políticas de desarrollo urbano",
        ["planificación urbana", "ordenamiento territorial", "gestión del riesgo de desastres"],
    ),
}
"""A few actions in real Spanish: title and keywords (the rest of a stand-in translation is marked English)."""
SPANISH_CONCEPTS = {
    "volunteers": ["voluntario", "voluntarios", "voluntaria", "voluntariado", "defensa civil", "cruz roja"],
    "money": ["dinero", "financiación", "financiamiento", "presupuesto", "fondos", "fondo"],
    "disaster": ["desastre", "desastres", "emergencia", "emergencias", "catástrofe", "crisis"],
    "training": ["formación", "capacitación", "simulacro", "simulacros", "entrenamiento"],
    "natural hazard": ["inundación", "inundaciones", "terremoto", "sismo", "sequía", "incendio forestal"],
}


def stand_in_catalogue(folder: Path, code: str = "es", drop: Iterable[str] = ()) -> Path:
    """A copy of the SMR catalogue with a translation to ``code`` beside it; its path.

    ``drop`` leaves those codes out of the translation (to test the check).
    """
    folder.mkdir(parents=True, exist_ok=True)
    source = default_path()
    base = folder / source.name
    base.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    lexicon = source.parent / "smr-concepts.yaml"
    (folder / lexicon.name).write_text(lexicon.read_text(encoding="utf-8"), encoding="utf-8")
    english = Catalogue.load(base)
    dropped = set(drop)

    def keep(record_code: str) -> bool:
        return record_code not in dropped

    translation = {
        "translation": {"of": english.id, "language": code, "by": "citybot tests"},
        "domains": {d.code: {"name": f"[{code}] {d.name}"} for d in english.domains if keep(d.code)},
        "stages": {
            s.code: {"name": f"[{code}] {s.name}", "description": f"[{code}] {s.description}"}
            for s in english.stages
            if keep(s.code)
        },
        "areas": {a.code: {"title": f"[{code}] {a.title}", "keywords": []} for a in english.areas if keep(a.code)},
        "actions": {
            a.code: {
                "title": SPANISH[a.code][0] if a.code in SPANISH else f"[{code}] {a.title}",
                "keywords": SPANISH[a.code][1] if a.code in SPANISH else [],
                "examples": [],
            }
            for a in english.actions
            if keep(a.code)
        },
    }
    (folder / f"{base.stem}.{code}.yaml").write_text(yaml.safe_dump(translation, allow_unicode=True), encoding="utf-8")
    concepts = {c.name: SPANISH_CONCEPTS.get(c.name, [f"{code}{c.name.replace(' ', '')}"]) for c in english.concepts}
    (folder / f"smr-concepts.{code}.yaml").write_text(
        yaml.safe_dump({"language": code, "concepts": concepts}, allow_unicode=True), encoding="utf-8"
    )
    return base
