"""The `citybot` command line: each command builds what it needs, then calls one thing.

Every command reads the settings once (:mod:`bot.settings`: the environment over a `.env` file);
an option such as ``--catalogue`` or ``--database-url`` overrides its setting. The settings
(pydantic-settings), the engine (SQLAlchemy, Alembic) and python-telegram-bot are imported inside
the commands that use them, so `citybot --help` starts quickly.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperCommand

from bot.export import ExportFormat, load_rows, render
from catalogue import Catalogue, CatalogueError, Match

if TYPE_CHECKING:
    from bot.settings import Settings

app = typer.Typer(
    help="citybot: a resilience self-assessment bot for city officials (SMR Resilience Maturity Model).",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)

CatalogueOption = Annotated[
    Path | None,
    typer.Option(
        "--catalogue",
        help="Catalogue YAML file to use instead of the packaged SMR model (default: CITYBOT_CATALOGUE).",
        dir_okay=False,
    ),
]


@contextmanager
def exit_on(*errors: type[Exception], code: int) -> Iterator[None]:
    """Turn these errors (a bad setting or file) into one line on stderr and exit ``code``, not a traceback."""
    try:
        yield
    except errors as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=code) from None


def read_settings() -> Settings:
    """The settings, from the environment over a .env file here; exit 2 with one line if one is wrong."""
    from bot.settings import ConfigError, load_settings

    with exit_on(ConfigError, code=2):
        return load_settings()


def load_catalogue(path: Path | None) -> Catalogue:
    """Load a catalogue or exit with the loader's message (file, line, what is wrong)."""
    with exit_on(CatalogueError, code=1):
        return Catalogue.load(path)


DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Database, e.g. sqlite:///citybot.db or postgresql://user:pw@host/db "
        "(default: DATABASE_URL, else in your data folder).",
    ),
]


def show_version(value: bool) -> None:
    """``--version``: the installed citybot's version, then exit."""
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"citybot {version('citybot')}")
        except PackageNotFoundError:  # run from a checkout that is not installed
            typer.echo("citybot (not installed)")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def default(
    context: typer.Context,
    _version: Annotated[
        bool,
        typer.Option("--version", help="Print citybot's version and exit.", callback=show_version, is_eager=True),
    ] = False,
) -> None:
    """Without a command: the Telegram bot when TELEGRAM_BOT_TOKEN is set, else the chat in this terminal."""
    if context.invoked_subcommand is not None:
        return
    settings = read_settings()
    if settings.telegram_bot_token:
        run_telegram(settings)
        return
    start_console(user=None, database_url=settings.database_url, catalogue_path=settings.citybot_catalogue, hint=True)


@app.command("catalogue")
def catalogue_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the catalogue as one JSON object.")] = False,
    check: Annotated[
        Path | None, typer.Option("--check", help="Validate this catalogue file and report problems.", dir_okay=False)
    ] = None,
    catalogue_path: CatalogueOption = None,
) -> None:
    """Show the catalogue: domains, areas, stages and actions (or validate a file with --check)."""
    settings = read_settings()
    catalogue = load_catalogue(check or catalogue_path or settings.citybot_catalogue)
    if check is not None and not as_json:
        typer.echo(
            f"{check}: OK, {catalogue.name} {catalogue.version}: {len(catalogue.domains)} domains, "
            f"{len(catalogue.areas)} areas, {len(catalogue.stages)} stages, {len(catalogue.actions)} actions"
        )
        return
    if as_json:
        typer.echo(json.dumps(catalogue_as_dict(catalogue), ensure_ascii=False, indent=2))
        return
    typer.echo(f"{catalogue.name} (version {catalogue.version})")
    typer.echo("Stages: " + ", ".join(f"{s.code} {s.name}" for s in catalogue.stages))
    for domain in catalogue.domains:
        typer.echo(f"\n{domain.code}  {domain.name}")
        for area in catalogue.areas_of(domain.code):
            typer.echo(f"  {area.code}  {area.title}")
            for action in catalogue.actions_of(area.code):
                typer.echo(f"    {action.code:<6} {action.title}")


def catalogue_as_dict(catalogue: Catalogue) -> dict[str, object]:
    return {
        "id": catalogue.id,
        "name": catalogue.name,
        "version": catalogue.version,
        "source": catalogue.source,
        "domains": [{"code": d.code, "name": d.name} for d in catalogue.domains],
        "areas": [{"code": a.code, "domain": a.domain, "title": a.title} for a in catalogue.areas],
        "stages": [{"code": s.code, "name": s.name, "description": s.description} for s in catalogue.stages],
        "actions": [
            {"code": a.code, "title": a.title, "domain": a.domain, "area": a.area, "stage": a.stage}
            for a in catalogue.actions
        ],
    }


def match_as_dict(match: Match) -> dict[str, object]:
    action = match.action
    return {
        "code": action.code,
        "title": action.title,
        "domain": action.domain,
        "area": action.area,
        "stage": action.stage,
        "score": round(match.score, 1),
        "confident": match.confident,
        "terms": list(match.terms),
        "why": list(match.why),
    }


@app.command("ask")
def ask_command(
    text: Annotated[list[str], typer.Argument(help="Your question, in your own words.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=50, help="How many matches to show.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the matches as one JSON object.")] = False,
    catalogue_path: CatalogueOption = None,
) -> None:
    """Find the catalogue actions that match a question, best first."""
    settings = read_settings()
    catalogue = load_catalogue(catalogue_path or settings.citybot_catalogue)
    query = " ".join(text)
    matches = catalogue.search(query, limit=limit)
    confident = any(match.confident for match in matches)
    if as_json:
        payload = {"query": query, "confident": confident, "matches": [match_as_dict(m) for m in matches]}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if not confident:
        typer.echo("No close match in the catalogue. Closest actions:" if matches else "No match in the catalogue.")
    for match in matches:
        action = match.action
        area = catalogue.area(action.area)
        stage = catalogue.stage(action.stage)
        typer.echo(f"{action.code:<6} {action.title}")
        typer.echo(f"       area {area.code} {area.title} · stage {stage.name} · score {match.score:.0f}")
        if match.why:
            typer.echo(f"       why: {', '.join(match.why)}")


class RunCommand(TyperCommand):
    """`citybot run`, whose help ends with every setting; they are looked up only when the help is shown."""

    @property
    def epilog(self) -> str:
        from bot.settings import ENV_VARS

        listing = "\n\n".join(f"{name}: {meaning}" for name, meaning in ENV_VARS.items())
        return f"Configuration, from environment variables or a .env file in the current directory:\n\n{listing}"

    @epilog.setter
    def epilog(self, _: str | None) -> None:
        """Typer sets none; the text above is the epilog."""


@app.command("run", cls=RunCommand)
def run_command() -> None:
    """Run the Telegram bot: long polling, or a webhook when WEBHOOK_URL is set; stop with Ctrl+C or SIGTERM."""
    run_telegram(read_settings())


def run_telegram(settings: Settings) -> None:
    """Serve Telegram with these settings until stopped; a missing token or an unusable database is one line."""
    from bot.settings import ConfigError
    from bot.telegram import configure_logging, run_bot, telegram_settings
    from conversations import DatabaseError

    with exit_on(ConfigError, DatabaseError, CatalogueError, code=2):
        telegram = telegram_settings(settings)
        configure_logging()
        run_bot(telegram)


@app.command("chat")
def chat_command(
    user: Annotated[str | None, typer.Option("--user", help="Your name in the chat (default: your login).")] = None,
    database_url: DatabaseOption = None,
    catalogue_path: CatalogueOption = None,
) -> None:
    """Chat with citybot in this terminal: the same conversation as on Telegram; a number picks an option."""
    settings = read_settings()
    start_console(
        user=user,
        database_url=database_url or settings.database_url,
        catalogue_path=catalogue_path or settings.citybot_catalogue,
        hint=False,
    )


def start_console(*, user: str | None, database_url: str | None, catalogue_path: Path | None, hint: bool) -> None:
    """Open the engine and chat over stdin/stdout until end of input (or Ctrl+C)."""
    from bot.console import run_console
    from conversations import DatabaseError, open_engine

    catalogue = load_catalogue(catalogue_path)

    async def chat() -> None:
        async with await open_engine(database_url, catalogue) as engine:
            line = engine.texts.get("console.hint_telegram") if hint else ""
            await run_console(engine, user=user, stdin=sys.stdin, stdout=sys.stdout, hint=line)

    try:
        with exit_on(DatabaseError, code=2):  # a malformed DATABASE_URL or a database out of reach
            asyncio.run(chat())
    except KeyboardInterrupt:
        typer.echo("")


@app.command("export")
def export_command(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="File format.")] = ExportFormat.CSV,
    city: Annotated[str | None, typer.Option("--city", help="Only the answers of this city.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of the screen.", dir_okay=False)
    ] = None,
    database_url: DatabaseOption = None,
    catalogue_path: CatalogueOption = None,
) -> None:
    """Export every stored answer, one row each (city, participant, assessment, area, stage, action, answer, note)."""
    from conversations import DatabaseError

    settings = read_settings()
    catalogue = load_catalogue(catalogue_path or settings.citybot_catalogue)
    with exit_on(DatabaseError, code=2):  # a malformed DATABASE_URL or a database out of reach
        rows = asyncio.run(load_rows(database_url or settings.database_url, city, catalogue))
    text = render(rows, fmt)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:  # no such folder, no permission, a full disk: one line, not a traceback
        typer.echo(f"error: cannot write {output}: {error.strerror or error}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(f"{len(rows)} answers written to {output}", err=True)


db_app = typer.Typer(help="Look after the database: upgrade its schema, back it up.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade_command(database_url: DatabaseOption = None) -> None:
    """Run the migrations (creating the database if need be) and print the revision it is at."""
    from bot.maintenance import run_upgrade
    from conversations import DatabaseError

    settings = read_settings()
    with exit_on(DatabaseError, code=2):
        revision = run_upgrade(database_url or settings.database_url)
    typer.echo(f"database at revision {revision}, the newest")


@db_app.command("backup")
def db_backup_command(
    target: Annotated[Path, typer.Argument(help="File to write the copy to (replaced if it exists).", dir_okay=False)],
    database_url: DatabaseOption = None,
) -> None:
    """Copy the SQLite database to FILE, consistent even while the bot writes (SQLite's online backup)."""
    from bot.maintenance import backup
    from conversations import DatabaseError

    settings = read_settings()
    with exit_on(DatabaseError, code=2):
        source = backup(database_url or settings.database_url, target)
    typer.echo(f"{source} backed up to {target}")


def main() -> None:
    """Entry point of the `citybot` console script."""
    app()
