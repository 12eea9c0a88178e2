"""What every formcheck HTML page shares: templates, the house style, dates and safe writing.

report.html, routine_report.html and progress.html are each one offline file a patient can
keep or print. They are written from Jinja2 templates in ``formcheck/report/templates/``
(package data, read with :mod:`importlib.resources` so they are found however formcheck is
installed), always with autoescaping on: names of custom exercises and routines, cues and
file names come from outside and must never become markup. Plain text files beside the
templates (``page.css``, ``report.js``, ...) hold the CSS and script that are inlined into
the pages; :func:`template_text` reads them.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATE_PACKAGE = "formcheck.report"
TEMPLATE_FOLDER = "templates"
#: The report's house style; the routine report adds its own rules after it.
PAGE_CSS = "page.css"
# The figures' colours, Okabe-Ito: distinguishable with every common colour-vision deficiency, and in grey.
BLUE, ORANGE, SKY, GREEN, VERMILLION, PURPLE, GREY = (
    "#0072B2", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#6b7280")


@cache
def template_text(name: str) -> str:
    """A file of the templates folder (a template, a style sheet or a script) as text."""
    return (resources.files(TEMPLATE_PACKAGE) / TEMPLATE_FOLDER / name).read_text(encoding="utf-8")


def inline_file(name: str):
    """A style sheet or script of the templates folder, as Markup to put into a page as it is (not escaped)."""
    from markupsafe import Markup

    return Markup(template_text(name))


def _template_source(name: str) -> str | None:
    """Jinja's loader: None (template not found) rather than an OSError for an unknown name."""
    try:
        return template_text(name)
    except FileNotFoundError:
        return None


@cache
def page_environment() -> Environment:
    """The one Jinja2 environment of the pages: autoescaping, and an unknown name is an error, not blank."""
    from jinja2 import Environment, FunctionLoader, StrictUndefined  # here: the command line starts faster

    return Environment(loader=FunctionLoader(_template_source), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def render_page(template: str, **context) -> str:
    """Render ``templates/<template>`` with ``context`` (text in it is escaped unless it is Markup)."""
    return page_environment().get_template(template).render(**context)


def created_text(text: str | None) -> str:
    """An ISO time stamp as a reader says it, in the reader's time zone: '4 Mar 2026, 10:11 CET'."""
    if not text:
        return "–"
    try:
        when = datetime.fromisoformat(text).astimezone()
    except ValueError:
        return text
    return f"{when.day} {when:%b %Y, %H:%M} {when.tzname() or ''}".strip()


def write_text_atomic(path: Path, text: str, newline: str | None = None) -> None:
    """Write so a reader never sees half a file (temp file + rename), readable like any new file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
