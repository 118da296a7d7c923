"""What every entry point (the CLI, `--batch`, each app handler, the HTTP API) does with an exception
mhqa did not raise on purpose: one line for the user, the whole trace in a log file for the developer.

Also the escaping of user-controlled text (file names, questions) before it reaches a terminal.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from pathlib import Path

log = logging.getLogger(__name__)


def error_log_path() -> Path:
    """Where traces go: `$MHQA_ERROR_LOG`, else `$XDG_STATE_HOME/mhqa/errors.log` (~/.local/state)."""
    explicit = os.environ.get("MHQA_ERROR_LOG")
    if explicit:
        return Path(explicit).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "mhqa" / "errors.log"


def report_unexpected(exc: BaseException, where: str) -> str:
    """Append the trace of `exc` to the error log; return the one line to show instead of it."""
    path = error_log_path()
    trace = "".join(traceback.format_exception(exc))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} {where}\n{trace}\n")
        saved = f"the trace is in {path}"
    except OSError as write_exc:
        saved = f"the trace could not be saved ({write_exc.strerror})"
    log.error("unexpected %s in %s; %s", type(exc).__name__, where, saved)
    detail = for_terminal(str(exc))[:200]
    return f"unexpected error in {where} ({type(exc).__name__}{': ' + detail if detail else ''}); {saved}"


def for_terminal(text: str) -> str:
    """`text` on one line with nothing a terminal would act on: line breaks, escape sequences, other
    control and bidirectional characters and lone surrogates are shown as Python escapes (\\n, \\x1b)."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
