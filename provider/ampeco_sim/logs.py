"""The simulator's logger, which never writes a control character a client sent.

Paths, queries and whatever else of a request the simulator logs reach an operator's terminal
(``ampeco-iac sim -v``). A client could put control characters in them: an ANSI escape
sequence that rewrites the screen, a carriage return that hides a line, a line feed that forges
one. Every record of this logger has its C0 and C1 control characters and DEL written as
``\\x1b``-style escapes, its message and its traceback alike (a traceback keeps its line feeds).
"""

from __future__ import annotations

import logging
import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINE_FEED = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def printable(text: str, pattern: re.Pattern[str] = _CONTROL) -> str:
    """``text`` with each control character written as ``\\xNN``."""
    return pattern.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


class _Escaping(logging.Filter):
    """Formats a record's message and traceback once, escaped, before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = printable(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            trace = logging.Formatter().formatException(record.exc_info)
            record.exc_text = printable(trace, _CONTROL_BUT_LINE_FEED)
        return True


log = logging.getLogger("ampeco_sim")
log.addFilter(_Escaping())
