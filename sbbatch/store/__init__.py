"""The DuckDB workspace: registry, declarations, state machine and event log."""

from __future__ import annotations

from sbbatch.store.workflow import STATUS_LABELS, kind_title, kinds, resolve_kind
from sbbatch.store.workspace import REGISTRY_TABLES, Workspace, migrations

__all__ = [
    "REGISTRY_TABLES",
    "STATUS_LABELS",
    "Workspace",
    "kind_title",
    "kinds",
    "migrations",
    "resolve_kind",
]
