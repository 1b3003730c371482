"""The exit codes of every ``posassist`` command, in one place.

Scripts and monitoring (cron, a service manager, store IT's checks) read these, so a
command never invents its own:

====  ============================================================================
code  meaning
====  ============================================================================
0     done; nothing to report
1     a problem was found and reported (``posassist doctor``)
2     a problem the user can fix: bad input or settings, an unknown command, the
      central database unreachable (a :class:`~posassist.errors.KnownError`); argparse
      uses 2 for usage errors as well
130   cancelled (Ctrl+C: 128 + SIGINT, as shells report it)
====  ============================================================================

A bug is none of these: it ends with its traceback (Python's exit code 1 when printed by
the interpreter), because hiding it would hide the fix.
"""

from __future__ import annotations

from typing import Final

OK: Final = 0
PROBLEM_FOUND: Final = 1
USER_ERROR: Final = 2
CANCELLED: Final = 130
