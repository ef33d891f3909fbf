"""Exceptions of sbbatch (异常).

One root, :class:`SbbatchError`, and a few subclasses. Every message is Chinese and
says what to do (``提示：…``). Exceptions are for unusable input only: an unreadable
file, an unknown business, an invalid state transition, a locked workspace. Problems
of single rows go into a failures frame, never into an exception.
"""

from __future__ import annotations

__all__ = [
    "InvalidTransitionError",
    "PolicyError",
    "SbbatchError",
    "UnusableInputError",
    "WorkspaceLockedError",
    "WorkspaceVersionError",
]


class SbbatchError(ValueError):
    """Base class of every error sbbatch raises on purpose."""

    message = "操作未能完成。"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)

    @property
    def text(self) -> str:
        """The Chinese message, as shown to the user."""
        return str(self.args[0])


class UnusableInputError(SbbatchError):
    """Raised when a file or an argument cannot be used at all."""

    message = "输入无法使用。"


class InvalidTransitionError(SbbatchError):
    """Raised when a declaration cannot move to the requested state."""

    message = "当前状态下不能执行此操作。"


class WorkspaceLockedError(SbbatchError):
    """Raised when another process holds the workspace file for writing."""

    message = "工作区正被另一个进程使用。"


class WorkspaceVersionError(SbbatchError):
    """Raised when a workspace was written by a newer sbbatch."""

    message = "工作区版本比本程序新。"


class PolicyError(SbbatchError):
    """Raised when no policy parameter covers the requested month or group."""

    message = "没有适用的政策参数。"
