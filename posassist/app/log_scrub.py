"""No personal data in logs: what every log record and crash-log entry goes through.

The store engine already runs with ``hide_parameters=True`` (a failed statement's
message then carries no bound values). This is the second line: a record, its
traceback and a crash-log entry lose anything after SQLAlchemy's ``[parameters:`` (from
an engine made elsewhere, or a DB-API message quoting a row) and whatever looks like an
e-mail address or a phone number. A crash log is sent to whoever fixes the bug; a
customer's phone number must not travel with it.
"""

from __future__ import annotations

import logging
import re
import traceback

__all__ = ["ScrubFilter", "configure_logging", "scrub"]

_PARAMETERS = re.compile(r"\[parameters:[^\n]*")
_SQL_VALUES = re.compile(r"(VALUES\s*)\([^\n)]*\)", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 7+ digits with the usual separators, not inside an identifier (a UUID, a hex digest).
_PHONE = re.compile(r"(?<![\w-])\+?\d(?:[\d ().-]*\d){6,}(?![\w-])")


def scrub(text: str) -> str:
    """``text`` without statement parameters, e-mail addresses and phone numbers."""
    text = _PARAMETERS.sub("[parameters hidden]", text)
    text = _SQL_VALUES.sub(r"\1(…)", text)
    text = _EMAIL.sub("<e-mail>", text)
    return _PHONE.sub("<number>", text)


class ScrubFilter(logging.Filter):
    """A handler filter: the record's message and traceback, scrubbed, before formatting."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub("".join(traceback.format_exception(*record.exc_info)).rstrip())
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


def configure_logging(level: int = logging.WARNING) -> None:
    """Warnings and worse to stderr, every handler of the root logger scrubbed."""
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ScrubFilter) for f in handler.filters):
            handler.addFilter(ScrubFilter())
