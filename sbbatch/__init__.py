"""sbbatch: batch social-insurance work for Jinan employers (济南市社会保险单位网上服务).

Everything an analyst does in the employer web system, in batches, from a notebook,
a script or another tool: enrolment and departure, wage bases, contributions, bills,
back-payments, social security cards and the queries of the manual.
"""

from __future__ import annotations

from importlib import metadata as _metadata

from sbbatch.exceptions import (
    InvalidTransitionError,
    PolicyError,
    SbbatchError,
    UnusableInputError,
    WorkspaceLockedError,
    WorkspaceVersionError,
)
from sbbatch.store import Workspace

try:
    __version__ = _metadata.version("sbbatch")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "InvalidTransitionError",
    "PolicyError",
    "SbbatchError",
    "UnusableInputError",
    "Workspace",
    "WorkspaceLockedError",
    "WorkspaceVersionError",
    "__version__",
]
