"""Shared fixtures: a fixed agency date and a small in-memory workspace."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from sbbatch.store import Workspace

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def today() -> dt.date:
    """The agency's date used by every test unless it says otherwise."""
    return TODAY


@pytest.fixture
def ws() -> Workspace:
    """An in-memory workspace with one unit, at the fixed agency date."""
    workspace = Workspace(today=TODAY)
    workspace.load(
        units=pl.DataFrame(
            {
                "unit_id": ["0010118873"],
                "name": ["济南测试科技有限公司"],
                "unit_type": ["企业"],
                "risk_class": [1],
                "payment_method": ["2"],
            }
        )
    )
    return workspace
