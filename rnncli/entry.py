"""The console entry point: run a command of `cli.app` and turn its outcome into an exit code.

Expected failures (`RnnCliError`) become one line on stderr and exit code 2 (1 when training
fails, 130 when interrupted); `--debug` or RNNCLI_DEBUG=1 shows the traceback instead. A process
that torchrun started as one of several prefixes its errors with its rank and leaves without the
interpreter's shutdown (see `main`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading

import typer

from rnncli.cli import app
from rnncli.errors import Interrupted, RnnCliError, clip


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app and map failures to one line and an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("RNNCLI_DEBUG", "") not in ("", "0")
    _state.update(interrupted=False, said=False)
    _watch_interrupts()
    try:
        code = _run(args, debug)
        if (
            code == 130 and _state["interrupted"] and not _state["said"]
        ):  # typer turns Ctrl-C into a silent exit code
            code = _fail("interrupted", 130)
    except BaseException:
        if not _one_of_several():
            raise
        import traceback

        traceback.print_exc()  # --debug in a process torchrun started: the traceback, then the exit below
        code = 1
    if argv is None and code == 130 and _state["interrupted"]:
        # A Ctrl-C that lands while an extension module runs Python code through CPython's PyRun_*
        # functions (some do as they import) leaves the interpreter flagged as killed by it: after
        # finalising, it sends itself SIGINT again, and a parent process sees -2 instead of 130.
        # An interrupted command leaves here, after the exit handlers, with 130 every time.
        import atexit

        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    if _one_of_several():
        # A process torchrun started leaves without the interpreter's shutdown: the process group's
        # worker threads may still be releasing their last tensors, and doing that while Python
        # finalises aborts the process (SIGABRT) after the work is done. Every file it wrote is
        # already on disk (atomic writes, fsynced); only the output buffers need flushing.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


_state = {"interrupted": False, "said": False}


def _watch_interrupts() -> None:
    """Note a Ctrl-C before raising KeyboardInterrupt as Python would (training installs its own
    handler while it runs)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        return

    def interrupted(signum, frame):
        _state["interrupted"] = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupted)


def _run(args: list[str], debug: bool) -> int:
    """The command's exit code; expected failures printed as one line (raised again with debug)."""
    try:
        code = typer.main.get_command(app).main(args=args, prog_name="rnncli", standalone_mode=False)
    except Interrupted as exc:
        if _rank() == 0:
            print(str(exc), file=sys.stderr)
        _state["said"] = True
        return exc.exit_code
    except RnnCliError as exc:
        if debug:
            raise
        return _fail(str(exc) if _rank() == 0 else f"(process {_rank()}) {exc}", exc.exit_code)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as exc:
        names = {c.__name__ for c in type(exc).__mro__}
        if "Abort" in names:
            return _fail("interrupted", 130)
        if "NoArgsIsHelpError" in names:  # `rnncli` alone, or a group without its command: the help
            print(exc.ctx.get_help())
            return 0
        if debug or not names & {"ClickException", "TyperException"}:
            raise
        return _fail(f"{exc.format_message()} (see 'rnncli {_subcommand(args)}--help')", 2)
    return code if isinstance(code, int) else 0


def _one_of_several() -> bool:
    """True in a process that torchrun started as one of several."""
    try:
        return int(os.environ.get("WORLD_SIZE", "1")) > 1
    except ValueError:
        return False


def _rank() -> int:
    """This process's rank when torchrun started several, else 0."""
    try:
        return int(os.environ.get("RANK", "0"))
    except ValueError:
        return 0


def _subcommand(args: list[str]) -> str:
    first = next((a for a in args if not a.startswith("-")), None)
    commands = {c.name or c.callback.__name__ for c in app.registered_commands}
    return f"{first} " if first in commands else ""


def _fail(message: str, code: int) -> int:
    print(
        f"error: {clip(_shortened(message), 2000)}", file=sys.stderr
    )  # a last guard: a message is a line, never megabytes
    _state["said"] = True
    return code


LONGEST_WORD = 120  # a path or value longer than this is shown by its start and its end


def _shortened(message: str) -> str:
    """Each run of more than LONGEST_WORD characters without a space (a path of 400 characters)
    cut in the middle, keeping its start and its end (the file's name)."""
    import re

    return re.sub(
        rf"\S{{{LONGEST_WORD + 1},}}", lambda m: m[0][:50] + "…" + m[0][-(LONGEST_WORD - 51) :], message
    )
