"""The ``formcheck`` command line: the typer `app`, its ``--debug`` switch, and its commands in ``--help`` order.

Each command group lives in its own module (analyze, live, history, catalogue, dev); their shared
consoles, options and error handling are in `formcheck.cli.common`. Every error meant for the user
is one line and a non-zero exit (2 for bad input); a traceback only with ``--debug``.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "8")  # quiet FFmpeg; must precede the first cv2 import
os.environ.setdefault("GLOG_minloglevel", "2")  # quiet MediaPipe's start-up chatter
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import typer

from formcheck.cli import analyze, catalogue, dev, doctor, history, live
from formcheck.cli.common import set_debug

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Pose-tracking form checker for hip rehabilitation exercises.")


def show_version(value: bool) -> None:
    """``--version``: the installed formcheck, and the Python and MediaPipe it runs on (no heavy import)."""
    if value:
        from formcheck.doctor import formcheck_version, package_version

        python = ".".join(map(str, sys.version_info[:3]))
        typer.echo(f"formcheck {formcheck_version()} (Python {python}, mediapipe {package_version('mediapipe')})")
        raise typer.Exit()


@app.callback()
def main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
         version: Annotated[bool, typer.Option("--version", is_eager=True, callback=show_version,
                                               help="Print the version and exit.")] = False) -> None:
    set_debug(debug)


app.command()(catalogue.exercises)
app.command()(analyze.analyze)
app.command("eval")(dev.eval_command)
app.command()(dev.synth)
app.command()(live.live)
app.command("history")(history.history_command)
app.command()(catalogue.routines)
app.command()(history.progress)
app.command()(live.routine)
app.command()(doctor.doctor)


def run() -> None:  # pragma: no cover - console script entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
