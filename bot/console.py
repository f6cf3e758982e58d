"""The terminal chat: the same conversation as on Telegram, over stdin and stdout.

Each reply's text is printed, then its options as ``[N] label``; typing a number (or an option's
words, "done") picks that option of the latest question. A question typed while a button question
waits numbers its own buttons after the waiting question's, so those keep their numbers. A chart is
saved as a PNG file and its path printed, and so are an export and a ``/mydata`` file; after
``/forget`` the user's saved charts are deleted. Works with piped input too; ends at end of input,
``/quit``, Ctrl+D or Ctrl+C.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from platformdirs import user_cache_path

from bot.charts import chart_png
from bot.export import write_export
from bot.report import poster_pdf, report_pdf
from conversations import (
    AnswerExport,
    Attachment,
    Engine,
    Incoming,
    Kind,
    MaturityChart,
    Option,
    Poster,
    ProgressChart,
    Reply,
    StorageUnavailable,
    Texts,
    choices,
)

PROMPT = "> "
QUIT = ("/quit", "/exit")
"""Typed alone, these end the console chat (as do Ctrl+D and Ctrl+C)."""


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
        self,
        engine: Engine,
        user: str,
        write: Callable[[str], object],
        *,
        chart_folder: Path | None = None,
        bot_username: str | None = None,
        language: str | None = None,
    ) -> None:
        self.engine = engine
        self.language = language
        """The language the chat asks for (``--language``), as Telegram's ``language_code`` does; a pick follows."""
        self.bot_username = bot_username
        """The Telegram bot people join (``TELEGRAM_BOT_USERNAME``): a poster's link and QR code need it."""
        self.user_id = f"console:{user}"
        self.user = user
        self.write = write
        self.chart_folder = chart_folder or default_chart_folder()
        self.files_folder = self.chart_folder.parent / "files"
        self.options: tuple[Option, ...] = ()

    @property
    def texts(self) -> Texts:
        """The console's own lines (banner, saved files) in the person's language as the engine last saw it."""
        return self.engine.texts_for(self.engine.known_language(self.user_id, self.language))

    def incoming(self, line: str) -> Incoming | None:
        """What a typed line means: an option's number or words, a command or text; ``None`` for nothing to send."""
        text = line.strip()
        if not text:
            return None
        if text.isdigit() and self.options:
            number = int(text)
            if not 1 <= number <= len(self.options):
                self.write(self.texts.get("console.no_such_option", number=number) + "\n")
                return None
            return self.message(Kind.CHOICE, self.options[number - 1].choice)
        labelled = [option for option in self.options if words(option.label) == words(text)]
        if len(labelled) == 1 and words(text):  # "done" picks "✅ Done"
            return self.message(Kind.CHOICE, labelled[0].choice)
        return self.message(Kind.COMMAND if text.startswith("/") else Kind.TEXT, text)

    def message(self, kind: Kind, payload: str) -> Incoming:
        return Incoming(
            user_id=self.user_id,
            chat_id=self.user_id,
            kind=kind,
            payload=payload,
            user_name=self.user,
            language=self.language,
        )

    @property
    def file_suffix(self) -> str:
        return re.sub(r"[^A-Za-z0-9_-]", "_", self.user)

    def save_chart(self, chart: MaturityChart | ProgressChart) -> Path:
        """Draw the chart into this user's PNG file in the chart folder (replacing the previous one).

        A chart of several people's answers (a city's, a workshop's) goes to ``group-<user>.png``,
        a ``/progress`` chart to ``progress-<user>.png``.
        """
        self.chart_folder.mkdir(parents=True, exist_ok=True)
        if isinstance(chart, ProgressChart):
            kind = "progress"
        else:
            kind = "group" if any(area.respondents is not None for area in chart.areas) else "results"
        path = self.chart_folder / f"{kind}-{self.file_suffix}.png"
        path.write_bytes(chart_png(chart))
        return path

    def save_export(self, export: AnswerExport) -> Path:
        """Write answer rows as the file the coordinator asked for, into the files folder."""
        self.files_folder.mkdir(parents=True, exist_ok=True)
        path = self.files_folder / export.filename
        path.write_bytes(write_export(export))
        return path

    def save_file(self, filename: str, data: bytes) -> Path:
        """Write a document the coordinator asked for (a PDF report) into the files folder."""
        self.files_folder.mkdir(parents=True, exist_ok=True)
        path = self.files_folder / filename
        path.write_bytes(data)
        return path

    def save_poster(self, poster: Poster) -> None:
        """Lay a workshop's poster out as a PDF in the files folder; its link needs the Telegram bot's username."""
        if not self.bot_username:
            self.write(self.texts.get("console.poster", code=poster.code) + "\n")
            return
        from telegram.helpers import create_deep_linked_url  # python-telegram-bot only when a poster is made

        link = create_deep_linked_url(self.bot_username, poster.payload)
        path = self.save_file(poster.filename, poster_pdf(poster, link=link))
        self.write(self.texts.get("console.export", path=str(path)) + "\n")

    def forget_files(self) -> None:
        """After /forget: delete this user's chart and files, and every saved group chart (they may count this user)."""
        for pattern in (f"results-{self.file_suffix}.png", f"progress-{self.file_suffix}.png", "group-*.png"):
            for path in self.chart_folder.glob(pattern):
                path.unlink(missing_ok=True)
        for path in self.files_folder.glob(f"*-{self.file_suffix}.*"):
            path.unlink(missing_ok=True)

    async def send(self, incoming: Incoming) -> None:
        """Send a typed line; while storage fails it waits (saying so once) and is sent again, never dropped."""
        while True:
            try:
                replies = await self.engine.handle(incoming)
            except StorageUnavailable as failure:
                if failure.notice is not None:
                    self.show([failure.notice])
                await wait_for_storage(failure)
                continue
            self.show(replies)
            return

    def save_attachment(self, attachment: Attachment) -> Path:
        """Write a file the bot sends (``/mydata``) into the user's files folder; its name says whose it is."""
        self.files_folder.mkdir(parents=True, exist_ok=True)
        stem, dot, suffix = attachment.filename.rpartition(".")
        name = f"{stem}-{self.file_suffix}{dot}{suffix}" if dot else f"{attachment.filename}-{self.file_suffix}"
        path = self.files_folder / re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        path.write_bytes(attachment.data)
        return path

    async def show_reminders(self) -> None:
        """The reminders due for this user (a paused assessment, the next round, a nudge), shown once, at the start."""
        for reminder in await self.engine.due_reminders(user_id=self.user_id):
            self.show(list(reminder.replies))
            await self.engine.reminder_delivered(reminder.id)

    def show(self, replies: list[Reply]) -> None:
        question_waits = any(is_question(option) for option in self.options)
        answered = any(reply.replaces_previous for reply in replies)
        asks = any(is_question(option) for reply in replies for option in reply.options)
        keep = question_waits and not answered and not asks  # a detour (a question typed, /results): keep its numbers
        options = list(self.options) if keep else []
        numbered_here = False
        for reply in replies:
            self.write(reply.text + "\n")
            if reply.attachment is not None:
                path = self.save_attachment(reply.attachment)
                self.write(self.texts.get("console.attachment", path=str(path)) + "\n")
            if reply.chart is not None:
                path = self.save_chart(reply.chart)
                self.write(self.texts.get("console.chart", path=str(path)) + "\n")
            if reply.invitation is not None:
                self.write(self.texts.get("console.invitation", payload=reply.invitation.payload) + "\n")
            if reply.export is not None:
                path = self.save_export(reply.export)
                self.write(self.texts.get("console.export", path=str(path)) + "\n")
            if reply.report is not None:
                path = self.save_file(reply.report.filename, report_pdf(reply.report))
                self.write(self.texts.get("console.export", path=str(path)) + "\n")
            if reply.poster is not None:
                self.save_poster(reply.poster)
            if reply.forgotten:
                self.forget_files()
            if reply.options and not keep and not numbered_here:
                options = []  # the latest buttons are the ones numbered (all of this turn's, one after another)
            numbered_here = numbered_here or bool(reply.options)
            for option in reply.options:
                options.append(option)
                self.write(f"[{len(options)}] {option.label}\n")
            if reply.options:
                self.options = tuple(options)
            self.write("\n")


async def run_console(
    engine: Engine,
    *,
    user: str | None = None,
    stdin: TextIO,
    stdout: TextIO,
    hint: str = "",
    chart_folder: Path | None = None,
    bot_username: str | None = None,
    language: str | None = None,
) -> None:
    """Chat until end of input: greet with ``/start``, then one engine call per typed line; charts go to files.

    ``language`` is the one asked for (``citybot chat --language es``), as a Telegram client's language.
    """

    def write(text: str) -> None:
        stdout.write(text)
        stdout.flush()

    chat = ConsoleChat(
        engine, user or default_user(), write, chart_folder=chart_folder, bot_username=bot_username, language=language
    )
    if hint:
        write(hint + "\n\n")
    code = engine.supported(language)
    if code is not None:  # asked for on the command line: it is this person's language from now on
        await engine.handle(chat.message(Kind.CHOICE, choices.Language(code).pack()))
    write(chat.texts.get("console.banner") + "\n\n")
    await chat.send(chat.message(Kind.COMMAND, "/start"))
    await chat.show_reminders()
    lines = LineReader(stdin)
    while True:
        write(PROMPT)
        line = await lines.next()
        if not line or line.strip().lower() in QUIT:
            write("\n")
            return
        incoming = chat.incoming(line)
        if incoming is not None:
            await chat.send(incoming)


async def wait_for_storage(failure: StorageUnavailable) -> None:
    """Until the engine tries the database again, or less if it works again meanwhile."""
    if failure.recovered is None:
        await asyncio.sleep(failure.retry_after)
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(failure.recovered.wait(), max(failure.retry_after, 0.01))


def words(text: str) -> str:
    """A label or typed line reduced to its words, to compare them ("✅ Done" and "done" are the same)."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def is_question(option: Option) -> bool:
    """The button answers a pending question, rather than leading somewhere."""
    return choices.is_question(option.choice)


class LineReader:
    """Lines of input read by a daemon thread, so Ctrl+C ends the chat at once instead of waiting for Enter.

    (``asyncio.to_thread`` would leave the blocked read in the default executor, which
    ``asyncio.run`` waits for on the way out.)
    """

    def __init__(self, stdin: TextIO) -> None:
        self.stdin = stdin
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.loop = asyncio.get_running_loop()
        threading.Thread(target=self._read, name="console-input", daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                line = self.stdin.readline()
            except (OSError, ValueError):  # input closed under us
                line = ""
            try:
                self.loop.call_soon_threadsafe(self.queue.put_nowait, line)
            except RuntimeError:  # the loop is gone: the chat has ended
                return
            if not line:
                return

    async def next(self) -> str:
        """The next line, or ``""`` at the end of input."""
        return await self.queue.get()
