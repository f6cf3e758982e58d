"""The documentation: generated references match the code, the site builds strictly, the README stays short."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from bot import reference
from bot.cli import app
from bot.settings import ENV_VARS, Settings

ROOT = Path(__file__).parents[1]
README_MAX_LINES = 200


def command_paths(command: object, prefix: str = "citybot") -> list[str]:
    """Every command of the CLI as it is typed, e.g. ``citybot db backup``."""
    paths = [prefix]
    subcommands: dict[str, object] = getattr(command, "commands", {})  # a group (Typer ships its own click)
    for name, sub in subcommands.items():
        paths += command_paths(sub, f"{prefix} {name}")
    return paths


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return reference.pages()


@pytest.mark.parametrize("page", [reference.CLI_PAGE, reference.SETTINGS_PAGE])
def test_the_committed_reference_is_what_the_code_generates(generated: dict[str, str], page: str) -> None:
    committed = (ROOT / reference.REFERENCE_DIR / page).read_text(encoding="utf-8")
    assert committed == generated[page], f"docs/reference/{page} is stale: run `python -m bot.reference`"


def test_every_command_appears_in_the_cli_reference(generated: dict[str, str]) -> None:
    headings = set(re.findall(r"^#+ `(citybot[^`]*)`", generated[reference.CLI_PAGE], flags=re.MULTILINE))
    paths = command_paths(typer.main.get_command(app))
    assert len(paths) > 10, paths
    assert set(paths) - {"citybot"} <= headings


def test_every_setting_appears_in_the_configuration_reference(generated: dict[str, str]) -> None:
    rows = {line.split("`")[1] for line in generated[reference.SETTINGS_PAGE].splitlines() if line.startswith("| `")}
    assert rows == set(ENV_VARS) == {name.upper() for name in Settings.model_fields}
    for name, field in Settings.model_fields.items():
        assert field.description, f"{name.upper()} has no description for the reference"


def test_the_docs_site_builds_strictly(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    build = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")]
    result = subprocess.run(build, cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "site" / "reference" / "cli" / "index.html").exists()


def test_the_readme_is_short_and_its_links_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= README_MAX_LINES
    for target in re.findall(r"\]\(((?:docs/)[^)#]+)", readme):
        assert (ROOT / target).exists(), target


def test_every_docs_page_is_in_the_site_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = {path.relative_to(ROOT / "docs").as_posix() for path in (ROOT / "docs").rglob("*.md")}
    assert pages and all(page in nav for page in pages), sorted(page for page in pages if page not in nav)
