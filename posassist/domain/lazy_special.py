"""``scipy.special``, imported the first time one of its functions is used.

Importing scipy.special costs a few hundred milliseconds (it pulls in scipy's array-API
layer), and the modules that use it are imported at start-up, before the window is
painted, only to read a cached fit. Fitting and scoring run on the worker or at the
first lookup, after the first paint, so that is where the import now happens. Each name
is looked up once and then kept on the proxy, so a lookup's scalar ``hyp2f1`` pays one
plain attribute read.
"""

from __future__ import annotations

from typing import Any


class _LazySpecial:
    def __getattr__(self, name: str) -> Any:
        from scipy import special as loaded

        value = getattr(loaded, name)
        setattr(self, name, value)  # found by normal lookup from now on
        return value


special: Any = _LazySpecial()
