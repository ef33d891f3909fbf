"""The agency's clock.

Nothing in sbbatch reads the wall clock except :func:`system_now`, which is only the
default of :class:`sbbatch.Workspace`. Tests and notebooks pass a fixed ``today``.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["system_now"]


def system_now() -> dt.datetime:
    """Return the current local date and time (the one wall-clock read of sbbatch)."""
    return dt.datetime.now()
