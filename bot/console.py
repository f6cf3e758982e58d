"""The terminal chat: the same conversation as on Telegram, over stdin and stdout.

Each reply's text is printed, then its options as ``[N] label``; typing a number picks
that option of the latest question. A chart is saved as a PNG file and its path printed, and so
is an export; after ``/forget`` the user's saved charts are deleted.
Works with piped input too and ends at end of input.
"""

from __future__ import annotations

import asyncio
import getpass
import re
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from platformdirs import user_cache_path

from bot.charts import maturity_chart_png
from bot.export import export_bytes
from conversations import AnswerExport, Engine, Incoming, Kind, MaturityChart, Option, Reply

PROMPT = "> "


def default_chart_folder() -> Path:
    """Where the console saves charts: the user's cache folder, since each new chart replaces the last."""
    return user_cache_path("citybot", appauthor=False) / "charts"


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): any stable name will do
        return "console"


class ConsoleChat:
    """Turns typed lines into engine calls and prints the replies."""

    def __init__(
        self, engine: Engine, user: str, write: Callable[[str], object], *, chart_folder: Path | None = None
    ) -> None:
        self.engine = engine
        self.user_id = f"console:{user}"
        self.user = user
        self.write = write
        self.chart_folder = chart_folder or default_chart_folder()
        self.options: tuple[Option, ...] = ()

    def incoming(self, line: str) -> Incoming | None:
        """What a typed line means: an option number, a command or text; ``None`` for nothing to send."""
        text = line.strip()
        if not text:
            return None
        if text.isdigit() and self.options:
            number = int(text)
            if not 1 <= number <= len(self.options):
                self.write(self.engine.texts.get("console.no_such_option", number=number) + "\n")
                return None
            return self.message(Kind.CHOICE, self.options[number - 1].choice)
        return self.message(Kind.COMMAND if text.startswith("/") else Kind.TEXT, text)

    def message(self, kind: Kind, payload: str) -> Incoming:
        return Incoming(user_id=self.user_id, chat_id=self.user_id, kind=kind, payload=payload, user_name=self.user)

    @property
    def file_suffix(self) -> str:
        return re.sub(r"[^A-Za-z0-9_-]", "_", self.user)

    def save_chart(self, chart: MaturityChart) -> Path:
        """Draw the chart into this user's PNG file in the chart folder (replacing the previous one).

        A chart of several people's answers (a city's, a workshop's) goes to ``group-<user>.png``.
        """
        self.chart_folder.mkdir(parents=True, exist_ok=True)
        group = any(area.respondents is not None for area in chart.areas)
        path = self.chart_folder / f"{'group' if group else 'results'}-{self.file_suffix}.png"
        path.write_bytes(maturity_chart_png(chart))
        return path

    def save_export(self, export: AnswerExport) -> Path:
        """Write answer rows as the file the coordinator asked for, next to the charts."""
        self.chart_folder.mkdir(parents=True, exist_ok=True)
        path = self.chart_folder / export.filename
        path.write_bytes(
            export_bytes(export.rows, export.fmt, catalogue=export.catalogue, not_started=export.not_started)
        )
        return path

    def forget_files(self) -> None:
        """After /forget: delete this user's chart, and every saved group chart (they may count this user)."""
        for pattern in (f"results-{self.file_suffix}.png", "group-*.png"):
            for path in self.chart_folder.glob(pattern):
                path.unlink(missing_ok=True)

    async def send(self, incoming: Incoming) -> None:
        self.show(await self.engine.handle(incoming))

    def show(self, replies: list[Reply]) -> None:
        for reply in replies:
            self.write(reply.text + "\n")
            if reply.attachment is not None:
                size = len(reply.attachment.data)
                self.write(
                    self.engine.texts.get("console.attachment", filename=reply.attachment.filename, size=size) + "\n"
                )
            if reply.chart is not None:
                path = self.save_chart(reply.chart)
                self.write(self.engine.texts.get("console.chart", path=str(path)) + "\n")
            if reply.invitation is not None:
                self.write(self.engine.texts.get("console.invitation", payload=reply.invitation.payload) + "\n")
            if reply.export is not None:
                path = self.save_export(reply.export)
                self.write(self.engine.texts.get("console.export", path=str(path)) + "\n")
            if reply.forgotten:
                self.forget_files()
            for number, option in enumerate(reply.options, start=1):
                self.write(f"[{number}] {option.label}\n")
            if reply.options:
                self.options = reply.options
            self.write("\n")


async def run_console(
    engine: Engine,
    *,
    user: str | None = None,
    stdin: TextIO,
    stdout: TextIO,
    hint: str = "",
    chart_folder: Path | None = None,
) -> None:
    """Chat until end of input: greet with ``/start``, then one engine call per typed line; charts go to files."""

    def write(text: str) -> None:
        stdout.write(text)
        stdout.flush()

    chat = ConsoleChat(engine, user or default_user(), write, chart_folder=chart_folder)
    if hint:
        write(hint + "\n\n")
    await chat.send(chat.message(Kind.COMMAND, "/start"))
    while True:
        write(PROMPT)
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            write("\n")
            return
        incoming = chat.incoming(line)
        if incoming is not None:
            await chat.send(incoming)
