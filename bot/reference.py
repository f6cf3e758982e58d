"""The docs' command-line and configuration references, generated from the Typer app and the settings.

Hand-written references drift from the code; these are written by ``python -m bot.reference`` and
``tests/test_docs.py`` fails when the committed pages differ from what the code generates now.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.settings import Settings

REFERENCE_DIR = Path("docs/reference")
CLI_PAGE = "cli.md"
SETTINGS_PAGE = "configuration.md"


def cli_markdown() -> str:
    """Every `citybot` command, its arguments and options, as Typer's own docs generator writes them."""
    command = [sys.executable, "-m", "typer", "bot.cli", "utils", "docs", "--name", "citybot"]
    command += ["--title", "Command-line reference"]
    generated = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603 - fixed argv
    return generated.strip() + "\n"


def settings_markdown() -> str:
    """Every setting: its environment variable and what it means, from the fields of :class:`Settings`."""
    rows = [
        "# Configuration reference",
        "",
        "Every command reads these settings once, by one rule: a command-line option wins, then an",
        "environment variable, then a `.env` file in the current directory, then the default. An empty",
        "value counts as unset. A malformed value stops the command with one line naming the variable",
        "(exit code 2).",
        "",
        "| variable | meaning |",
        "|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        meaning = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{name.upper()}` | {meaning} |")
    return "\n".join(rows) + "\n"


def pages() -> dict[str, str]:
    """Each generated page's file name and its text."""
    return {CLI_PAGE: cli_markdown(), SETTINGS_PAGE: settings_markdown()}


def main() -> None:
    """Write the generated pages into ``docs/reference/`` (run from the repository's root)."""
    REFERENCE_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in pages().items():
        (REFERENCE_DIR / name).write_text(text, encoding="utf-8")
        print(REFERENCE_DIR / name)


if __name__ == "__main__":
    main()
