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
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from typer.core import TyperCommand

from catalogue import Catalogue, CatalogueError, Match
from catalogue.language import primary_language
from conversations.messages import ExportFormat, ExportRow

if TYPE_CHECKING:
    from bot.settings import Settings
    from conversations import Engine
    from conversations.coordination import Coordination
    from conversations.reminders import ReminderTimes

T = TypeVar("T")

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


LanguageOption = Annotated[
    str | None,
    typer.Option(
        "--language",
        "-l",
        help="The language to speak, e.g. es, fr, pt (default: English; the languages with texts and a catalogue).",
    ),
]


def spoken(language: str | None, catalogue: Catalogue) -> str | None:
    """The language code asked for, checked: citybot must have its texts and its catalogue; else exit with the list."""
    if language is None:
        return None
    from conversations.texts import Texts

    code = primary_language(language)
    if code in Texts.available() and code in catalogue.languages:
        return code
    known = [c for c in Texts.available() if c in catalogue.languages]
    typer.echo(f"citybot does not speak {language!r} (yet): it speaks {', '.join(known)}.", err=True)
    raise typer.Exit(2)


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
    start_console(
        user=None,
        database_url=settings.database_url,
        catalogue_path=settings.citybot_catalogue,
        hint=True,
        min_group_size=settings.citybot_min_group_size,
    )


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
    only = translated_language(check) if check is not None else None
    base_file = check.parent / f"{check.name.split('.')[0]}{check.suffix}" if check is not None and only else check
    catalogue = load_catalogue(base_file or catalogue_path or settings.citybot_catalogue)
    if check is not None and not as_json:
        if not only:
            typer.echo(
                f"{check}: OK, {catalogue.name} {catalogue.version}: {len(catalogue.domains)} domains, "
                f"{len(catalogue.areas)} areas, {len(catalogue.stages)} stages, {len(catalogue.actions)} actions"
            )
        check_translations(catalogue, [only] if only else list(catalogue.translations))
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


def translated_language(path: Path) -> str | None:
    """The language of a translation file (``smr-rmm.es.yaml``: ``es``), ``None`` for a catalogue file."""
    from catalogue.loader import TRANSLATION_NAME

    match = TRANSLATION_NAME.match(path.name)
    return match["language"] if match and (path.parent / f"{match['stem']}{path.suffix}").is_file() else None


def check_translations(catalogue: Catalogue, languages: list[str]) -> None:
    """Read each translation (and its concept lexicon) and say it is complete, or exit with every problem."""
    for code in languages:
        with exit_on(CatalogueError, code=1):
            translated = catalogue.in_language(code)
        lexicon = f", {len(translated.concepts)} concepts" if translated.concepts else ""
        typer.echo(
            f"{catalogue.translations[code]}: OK, {code}: every domain, stage, area and action "
            f"({len(translated.actions)}) translated{lexicon}"
        )


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
        **({"original_title": action.original} if action.original else {}),
    }


@app.command("ask")
def ask_command(
    text: Annotated[list[str], typer.Argument(help="Your question, in your own words.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=50, help="How many matches to show.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print the matches as one JSON object.")] = False,
    catalogue_path: CatalogueOption = None,
    language: LanguageOption = None,
) -> None:
    """Find the catalogue actions that match a question, best first (in the catalogue of --language)."""
    from conversations.flows.ask import explain, spelling, spelt
    from conversations.texts import Texts

    settings = read_settings()
    base = load_catalogue(catalogue_path or settings.citybot_catalogue)
    code = spoken(language, base)
    with exit_on(CatalogueError, code=1):
        catalogue = base.in_language(code)
    texts = Texts.load(code or base.language)
    query = " ".join(text)
    matches = catalogue.search(query, limit=limit)
    spellings = spelling(catalogue, query)
    confident = any(match.confident for match in matches)
    if as_json:
        hazard = spelt(matches[0].hazard, spellings) if matches else ""
        payload = {
            "query": query,
            "language": catalogue.language,
            "confident": confident,
            "hazard": hazard,
            "matches": [{**match_as_dict(m), "reason": explain(texts, m, spellings)} for m in matches],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if matches and matches[0].hazard:
        typer.echo(f"hazard read: {spelt(matches[0].hazard, spellings)}")
    if not confident:
        typer.echo("No close match in the catalogue. Closest actions:" if matches else "No match in the catalogue.")
    for match in matches:
        action = match.action
        area = catalogue.area(action.area)
        stage = catalogue.stage(action.stage)
        typer.echo(f"{action.code:<6} {action.title}")
        typer.echo(f"       area {area.code} {area.title} · stage {stage.name} · score {match.score:.0f}")
        if match.why:
            typer.echo(f"       why: {', '.join(spelt(reason, spellings) for reason in match.why)}")


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
    language: LanguageOption = None,
) -> None:
    """Chat with citybot in this terminal: the same conversation as on Telegram; a number picks an option."""
    settings = read_settings()
    start_console(
        user=user,
        database_url=database_url or settings.database_url,
        catalogue_path=catalogue_path or settings.citybot_catalogue,
        hint=False,
        min_group_size=settings.citybot_min_group_size,
        language=language,
    )


def reminder_times(settings: Settings) -> ReminderTimes:
    """The reminders' delays from the settings (``CITYBOT_REMIND_*``)."""
    from conversations.reminders import ReminderTimes

    return ReminderTimes(
        paused_after=settings.citybot_remind_paused_after,
        month=settings.citybot_remind_month,
        retry_after=settings.citybot_remind_retry_after,
    )


def start_console(
    *,
    user: str | None,
    database_url: str | None,
    catalogue_path: Path | None,
    hint: bool,
    min_group_size: int,
    language: str | None = None,
) -> None:
    """Open the engine and chat over stdin/stdout until end of input (or Ctrl+C)."""
    from bot.console import run_console
    from conversations import DatabaseError, open_engine
    from conversations.screen import ScreenSettings

    catalogue = load_catalogue(catalogue_path)
    with exit_on(CatalogueError, code=1):  # a broken translation stops here, with file and line
        for code in catalogue.translations:
            catalogue.in_language(code)
    spoken(language, catalogue)
    settings = read_settings()

    async def chat() -> None:
        times = reminder_times(settings)
        async with await open_engine(
            database_url, catalogue, min_group_size=min_group_size, reminder_times=times
        ) as engine:
            engine.screen_settings = ScreenSettings(  # a coordinator in the console gets big-screen links too
                public_url=settings.citybot_public_url,
                keep_after_close=timedelta(hours=settings.citybot_screen_hours),
            )
            line = engine.texts.get("console.hint_telegram") if hint else ""
            await run_console(
                engine,
                user=user,
                stdin=sys.stdin,
                stdout=sys.stdout,
                hint=line,
                bot_username=settings.telegram_bot_username,
                language=language,
            )

    try:
        with exit_on(DatabaseError, code=2):  # a malformed DATABASE_URL or a database out of reach
            asyncio.run(chat())
    except KeyboardInterrupt:
        typer.echo("")


coordinators_app = typer.Typer(help="Who may run workshops and see or export everyone's answers.", no_args_is_help=True)
workshop_app = typer.Typer(
    help="Workshops: open one (with its join link and QR code), list them, close one.", no_args_is_help=True
)
app.add_typer(coordinators_app, name="coordinators")
app.add_typer(workshop_app, name="workshop")
reminders_app = typer.Typer(help="Reminders: what is due and what was sent, by kind.", no_args_is_help=True)
app.add_typer(reminders_app, name="reminders")

Who = Annotated[
    str,
    typer.Argument(
        help="A Telegram user id (42), a @username (bound to that user when they next write to the bot), "
        "or an id such as console:ana."
    ),
]


def with_engine(database_url: str | None, catalogue_path: Path | None, job: Callable[[Engine], Awaitable[T]]) -> T:
    """Open the engine on the configured database, run ``job`` with it, close it; one-line errors, exit 2."""
    from conversations import DatabaseError, open_engine
    from conversations.coordination import NotFound

    settings = read_settings()
    catalogue = load_catalogue(catalogue_path or settings.citybot_catalogue)

    async def run() -> T:
        url = database_url or settings.database_url
        async with await open_engine(
            url, catalogue, min_group_size=settings.citybot_min_group_size, reminder_times=reminder_times(settings)
        ) as engine:
            return await job(engine)

    with exit_on(DatabaseError, NotFound, ValueError, code=2):
        return asyncio.run(run())


def with_coordination(database_url: str | None, job: Callable[[Coordination], Awaitable[T]]) -> T:
    """Open the database only (no catalogue, no engine), run ``job`` on the coordinators' tasks; exit 2 on errors.

    The schema check stays (one row read when current): it is what creates the database on a first
    ``citybot coordinators add``.
    """
    from sqlalchemy.ext.asyncio import async_sessionmaker
    from sqlmodel.ext.asyncio.session import AsyncSession

    from conversations import DatabaseError
    from conversations.coordination import Coordination, NotFound
    from conversations.storage import database

    url = database_url or read_settings().database_url or database.default_database_url()

    async def run() -> T:
        db = database.create_engine(url)
        try:
            with database.connection_problems(url):
                await database.migrate(db)
                return await job(Coordination(async_sessionmaker(db, class_=AsyncSession, expire_on_commit=False)))
        finally:
            await db.dispose()

    with exit_on(DatabaseError, NotFound, ValueError, code=2):
        return asyncio.run(run())


def person(who: str) -> str:
    """A Telegram user id typed bare (``42``) qualified by its transport (``telegram:42``); anything else as typed."""
    from bot.telegram.config import TRANSPORT

    text = who.strip()
    return f"{TRANSPORT}:{text}" if text.isdigit() else text


@coordinators_app.command("add")
def coordinators_add(
    who: Who,
    city: Annotated[
        str | None,
        typer.Option(
            "--city",
            help="Only this city's answers and workshops (repeat the command for more cities); "
            "without it, every city's.",
        ),
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Make someone a coordinator, for one city or for all cities (their own workshops always)."""
    granted = with_coordination(database_url, lambda coordination: coordination.grant(person(who), city=city))
    scope = f"for {city}" if city else "for all cities (give --city NAME to limit a grant to one city)"
    typer.echo(f"{who} is {'now' if granted else 'already'} a coordinator {scope}")


@coordinators_app.command("remove")
def coordinators_remove(who: Who, database_url: DatabaseOption = None) -> None:
    """Take the coordinator role away."""
    revoked = with_coordination(database_url, lambda coordination: coordination.revoke(person(who)))
    if not revoked:
        typer.echo(f"error: {who} is not a coordinator", err=True)
        raise typer.Exit(code=2)
    typer.echo(f"{who} is no longer a coordinator")


@coordinators_app.command("list")
def coordinators_list(database_url: DatabaseOption = None) -> None:
    """Every coordinator, and the @username grants still waiting for their user."""
    grants = with_coordination(database_url, lambda coordination: coordination.coordinators())
    if not grants:
        typer.echo("no coordinators yet: add one with `citybot coordinators add <Telegram user id or @username>`")
    for grant in grants:
        who = grant.user_id or f"@{grant.username}"
        state = (
            f"@{grant.username}"
            if grant.user_id and grant.username
            else ("waiting for them to write to the bot" if not grant.user_id else "")
        )
        scope = "all cities" if grant.all_cities else ", ".join(grant.cities) or "own workshops only"
        typer.echo(f"{who:<24} since {grant.granted_at:%Y-%m-%d}  {scope:<20}  {state}".rstrip())


BotUsernameOption = Annotated[
    str | None,
    typer.Option(
        "--bot-username", help="The bot's @username, for the join link and QR code (default: TELEGRAM_BOT_USERNAME)."
    ),
]


@workshop_app.command("create")
def workshop_create(
    name: Annotated[list[str], typer.Argument(help="The workshop's name, e.g. Gent spring workshop.")],
    city: Annotated[str | None, typer.Option("--city", help="The city the workshop is for.")] = None,
    qr: Annotated[
        Path | None,
        typer.Option(
            "--qr", help="Where to write the QR code PNG (default: workshop-<code>.png here).", dir_okay=False
        ),
    ] = None,
    bot_username: BotUsernameOption = None,
    hidden: Annotated[
        bool, typer.Option("--hidden", help="Hide the results on the big screen until `citybot workshop reveal`.")
    ] = False,
    after: Annotated[
        str | None,
        typer.Option("--after", help="The code of an earlier workshop this one follows up (its room compares them)."),
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Open a workshop: prints its code and join payload, and with the bot's username the link and a QR code PNG."""
    title = " ".join(name).strip()
    if not title:
        typer.echo("error: give the workshop a name", err=True)
        raise typer.Exit(code=2)
    from bot.settings import USERNAME_PATTERN

    username = bot_username.removeprefix("@") if bot_username else read_settings().telegram_bot_username
    if username is not None and not USERNAME_PATTERN.match(username):
        typer.echo(f"error: --bot-username {bot_username!r} is not a bot username such as @gent_citybot", err=True)
        raise typer.Exit(code=2)
    if username and qr is not None and not qr.parent.is_dir():
        typer.echo(f"error: cannot write {qr}: there is no folder {qr.parent}", err=True)
        raise typer.Exit(code=2)
    created = with_coordination(
        database_url, lambda coordination: coordination.create_workshop(title, city=city, hidden=hidden, after=after)
    )
    typer.echo(
        f"workshop {created.code} “{created.name}”"
        + (f" for {created.city}" if created.city else "")
        + " is open"
        + (", its results hidden on the big screen until `citybot workshop reveal`" if hidden else "")
    )
    typer.echo(f"join payload:  /start {created.payload}")
    if not username:
        typer.echo("join link:     set TELEGRAM_BOT_USERNAME (or --bot-username) to print it and a QR code")
        return
    from telegram.helpers import create_deep_linked_url

    from bot.qr import qr_png

    link = create_deep_linked_url(username, created.payload)
    target = qr or Path(f"workshop-{created.code}.png")
    write_file(target, qr_png(link))
    typer.echo(f"join link:     {link}")
    typer.echo(f"QR code:       {target}")


@workshop_app.command("list")
def workshop_list(database_url: DatabaseOption = None) -> None:
    """Every workshop, newest first: code, status, joined and finished, name and city."""
    workshops = with_coordination(database_url, lambda coordination: coordination.workshops())
    if not workshops:
        typer.echo("no workshops yet: open one with `citybot workshop create NAME`")
    for w in workshops:
        typer.echo(
            f"{w.code}  {w.status:<6}  {w.joined:>3} joined  {w.finished:>3} finished  "
            f"{w.created_at:%Y-%m-%d}  {w.name}" + (f" ({w.city})" if w.city else "")
        )


@workshop_app.command("close")
def workshop_close(
    code: Annotated[str, typer.Argument(help="The workshop's code.")], database_url: DatabaseOption = None
) -> None:
    """Close a workshop: answers given later count for each participant and their city, not for the workshop."""
    closed = with_coordination(database_url, lambda coordination: coordination.close_workshop(code))
    typer.echo(
        f"workshop {closed.code} “{closed.name}” is closed: {closed.finished} of {closed.joined} participants finished"
    )


CodeArgument = Annotated[str, typer.Argument(help="The workshop's code.")]


@workshop_app.command("screen")
def workshop_screen(code: CodeArgument, database_url: DatabaseOption = None) -> None:
    """Print a new secret link to the workshop's big screen (needs CITYBOT_PUBLIC_URL): open it on the projector."""
    from conversations.screen import screen_url

    settings = read_settings()
    if not settings.citybot_public_url:
        typer.echo(
            "error: set CITYBOT_PUBLIC_URL to the address people open the big screen at "
            "(e.g. http://192.168.1.20:8080), and serve it with `citybot serve` or `citybot run`",
            err=True,
        )
        raise typer.Exit(code=2)
    workshop, token = with_engine(database_url, None, lambda engine: engine.screens.new_link(code))
    if token is None:
        typer.echo(f"error: workshop {workshop.code} “{workshop.name}” is closed: it has no big screen", err=True)
        raise typer.Exit(code=2)
    typer.echo(screen_url(settings.citybot_public_url, token))
    typer.echo(
        f"the big screen of {workshop.code} “{workshop.name}”: anyone with this link sees the room's combined "
        f"results until {settings.citybot_screen_hours:g} h after the workshop closes",
        err=True,
    )


@workshop_app.command("hide")
def workshop_hide(code: CodeArgument, database_url: DatabaseOption = None) -> None:
    """Hide the results on the workshop's big screen: it shows only how many joined and finished."""
    workshop = with_engine(database_url, None, lambda engine: engine.screens.set_hidden(code, hidden=True))
    typer.echo(f"the results of {workshop.code} “{workshop.name}” are hidden on the big screen")


@workshop_app.command("reveal")
def workshop_reveal(code: CodeArgument, database_url: DatabaseOption = None) -> None:
    """Reveal the results on the workshop's big screen: the room sees them appear."""
    workshop = with_engine(database_url, None, lambda engine: engine.screens.set_hidden(code, hidden=False))
    typer.echo(f"the results of {workshop.code} “{workshop.name}” are on the big screen")


@workshop_app.command("poster")
def workshop_poster(
    code: CodeArgument,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="The PDF to write (default: workshop-<code>-poster.pdf here).", dir_okay=False
        ),
    ] = None,
    bot_username: BotUsernameOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """An A4 poster to print: the workshop's name, its join QR code, link and code, and how to join."""
    from telegram.helpers import create_deep_linked_url

    from bot.report import poster_pdf
    from bot.settings import USERNAME_PATTERN

    username = bot_username.removeprefix("@") if bot_username else read_settings().telegram_bot_username
    if not username or not USERNAME_PATTERN.match(username):
        typer.echo("error: the poster's link and QR code need the bot's username: --bot-username @your_bot", err=True)
        raise typer.Exit(code=2)
    target = output or Path(f"workshop-{parse_code_or_exit(code)}-poster.pdf")
    if not target.parent.is_dir():
        typer.echo(f"error: cannot write {target}: there is no folder {target.parent}", err=True)
        raise typer.Exit(code=2)
    sheet = with_engine(database_url, None, lambda engine: engine.reports.poster(code))
    write_file(target, poster_pdf(sheet, link=create_deep_linked_url(username, sheet.payload)))
    typer.echo(f"{target}: poster of {sheet.code} “{sheet.name}”")


def parse_code_or_exit(code: str) -> str:
    from conversations.workshop_codes import parse_code

    parsed = parse_code(code)
    if parsed is None:
        typer.echo(f"error: no workshop {code!r}; `citybot workshop list` shows them", err=True)
        raise typer.Exit(code=2)
    return parsed


@app.command("serve")
def serve_command(
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="Port (default: CITYBOT_WEB_PORT, else 8080).")
    ] = None,
    listen: Annotated[
        str | None, typer.Option("--listen", help="Address to bind (default: CITYBOT_WEB_LISTEN, else 0.0.0.0).")
    ] = None,
    bot_username: BotUsernameOption = None,
    database_url: DatabaseOption = None,
    catalogue_path: CatalogueOption = None,
) -> None:
    """Serve the workshops' big screens without Telegram (e.g. for participants in `citybot chat`); Ctrl+C stops."""
    from bot.settings import DEFAULT_WEB_PORT
    from bot.web.server import screen_settings, serve_screens

    settings = read_settings()
    username = bot_username.removeprefix("@") if bot_username else settings.telegram_bot_username
    where = listen or settings.citybot_web_listen
    number = port or settings.citybot_web_port or DEFAULT_WEB_PORT

    async def run(engine: Engine) -> None:
        engine.screen_settings = screen_settings(settings)
        base = settings.citybot_public_url or f"http://{where}:{number}"
        typer.echo(f"big screens on {base}/screen/…: `citybot workshop screen CODE` prints a link; Ctrl+C stops")
        await serve_screens(engine, listen=where, port=number, bot_username=username)

    from bot.settings import ConfigError

    try:
        with exit_on(ConfigError, code=2):
            with_engine(database_url, catalogue_path, run)
    except KeyboardInterrupt:
        typer.echo("")


def write_file(path: Path, data: bytes) -> None:
    """Write a file, or exit 2 with one line saying why it cannot be written."""
    try:
        path.write_bytes(data)
    except OSError as error:
        typer.echo(f"error: cannot write {path}: {error.strerror or error}", err=True)
        raise typer.Exit(code=2) from None


def parse_since(text: str | None) -> datetime | None:
    """``--since 2026-11-30`` (midnight UTC) or a full ISO time."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        typer.echo(f"error: --since {text!r} is not a date such as 2026-11-30 or 2026-11-30T14:00", err=True)
        raise typer.Exit(code=2) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command("export")
def export_command(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="csv, json or xlsx.")] = ExportFormat.CSV,
    city: Annotated[str | None, typer.Option("--city", help="Only the answers of this city.")] = None,
    workshop: Annotated[
        str | None, typer.Option("--workshop", help="Only the answers of this workshop (its code).")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only answers given from this date (UTC) on.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of the screen.", dir_okay=False)
    ] = None,
    database_url: DatabaseOption = None,
    catalogue_path: CatalogueOption = None,
) -> None:
    """Export every stored answer, one row each: city, participant (a pseudonym), workshop, area, action, answer."""
    from bot.export import export_bytes

    moment = parse_since(since)
    if fmt == ExportFormat.XLSX and output is None and sys.stdout.isatty():
        typer.echo("error: an Excel workbook does not go to the screen: add -o answers.xlsx", err=True)
        raise typer.Exit(code=2)

    async def rows_of(engine: Engine) -> tuple[list[ExportRow], str, str, Catalogue, dict[str, list[ExportRow]]]:
        rows = await engine.export_answers(city=city, workshop=workshop, since=moment)
        earlier = await engine.reports.earlier_rows({row.workshop for row in rows})
        texts = engine.texts
        return rows, texts.get("results.not_started"), texts.get("report.not_sure"), engine.catalogue, earlier

    rows, not_started, not_sure, catalogue, earlier = with_engine(database_url, catalogue_path, rows_of)
    data = export_bytes(rows, fmt, catalogue=catalogue, not_started=not_started, not_sure=not_sure, earlier=earlier)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_file(output, data)
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
    """Copy the SQLite database to FILE, consistent even while the bot writes (VACUUM INTO), and check the copy."""
    from bot.maintenance import backup
    from conversations import DatabaseError

    settings = read_settings()
    with exit_on(DatabaseError, code=2):
        done = backup(database_url or settings.database_url, target)
    typer.echo(
        f"{done.source} backed up to {done.target}: {done.size / 1_000_000:.1f} MB in {done.seconds:.1f} s, "
        f"quick_check {done.check}"
    )


class ReportFormat(StrEnum):
    PDF = "pdf"
    PNG = "png"


@app.command("report")
def report_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.", dir_okay=False)],
    city: Annotated[str | None, typer.Option("--city", help="The combined answers of this city.")] = None,
    workshop: Annotated[str | None, typer.Option("--workshop", help="The answers of this workshop (its code).")] = None,
    fmt: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="pdf: the report (cover, chart, table per area, next steps, catalogue); png: the chart alone "
            "(default: from the file name's ending).",
        ),
    ] = None,
    database_url: DatabaseOption = None,
    catalogue_path: CatalogueOption = None,
) -> None:
    """A city's or a workshop's combined answers: a PDF report, or the chart alone as a PNG."""
    from bot.charts import maturity_chart_png

    if (city is None) == (workshop is None):
        typer.echo("error: give either --city NAME or --workshop CODE", err=True)
        raise typer.Exit(code=2)
    suffix = output.suffix.lower().removeprefix(".")
    kind = fmt or (ReportFormat(suffix) if suffix in {f.value for f in ReportFormat} else None)
    if kind is None or suffix != kind.value:
        wanted = f".{kind.value}" if kind else ".pdf or .png"
        typer.echo(f"error: {output} should end in {wanted} (--format pdf or png)", err=True)
        raise typer.Exit(code=2)
    if not output.parent.is_dir():
        typer.echo(f"error: cannot write {output}: there is no folder {output.parent}", err=True)
        raise typer.Exit(code=2)
    if kind == ReportFormat.PDF:
        from bot.report import report_pdf

        document = with_engine(
            database_url, catalogue_path, lambda engine: engine.reports.report(city=city, workshop=workshop)
        )
        write_file(output, report_pdf(document))
        typer.echo(f"{output}: {document.title}")
        return
    chart = with_engine(database_url, catalogue_path, lambda engine: engine.reports.chart(city=city, workshop=workshop))
    if not any(area.respondents for area in chart.areas):
        minimum = read_settings().citybot_min_group_size
        typer.echo(
            f"error: no area of {city or workshop} has {minimum} or more people who gave it a stage yet: "
            "nothing to draw (a chart never shows fewer, so no one's answer can be read from it; "
            "CITYBOT_MIN_GROUP_SIZE sets the number)",
            err=True,
        )
        raise typer.Exit(code=2)
    write_file(output, maturity_chart_png(chart))
    typer.echo(f"{output}: {chart.title}, {chart.subtitle}")


def main() -> None:
    """Entry point of the `citybot` console script."""
    app()


@reminders_app.command("list")
def reminders_list(database_url: DatabaseOption = None) -> None:
    """Every reminder, due and sent, by kind: ids and times only (no names, no texts)."""
    from collections import Counter

    rows = with_engine(database_url, None, lambda engine: engine.reminder_overview())
    now = datetime.now(UTC)
    for row in rows:
        due = "due" if row.due_at <= now and row.state in ("waiting", "upcoming") else ""
        sent = row.sent_at.isoformat(timespec="seconds") if row.sent_at else "-"
        typer.echo(
            f"{row.id or '-':>6}  {row.kind:<7} participant {row.participant_id:<6} "
            f"due {row.due_at.isoformat(timespec='seconds')}  {row.state:<13} sent {sent} {due}".rstrip()
        )
    totals = Counter((str(row.kind), row.state) for row in rows)
    for kind in sorted({kind for kind, _ in totals}):
        states = ", ".join(f"{count} {state}" for (of, state), count in sorted(totals.items()) if of == kind)
        typer.echo(f"{kind}: {states}")
    if not rows:
        typer.echo("no reminders")
