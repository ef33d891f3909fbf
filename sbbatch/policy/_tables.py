"""The tables of a city's policy folder: names, kinds of columns, keys, windows.

Also the code sets shared by every look-up: the provenance :data:`STATUSES`, the
insurances (险种), payers and district groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

STATUSES: Final[tuple[str, ...]] = ("verified", "secondary", "inference")
"""The three provenance tags a policy row may carry."""

STATUS_DTYPE: Final = pl.Enum(list(STATUSES))
"""Dtype of every ``status`` column."""

INSURANCES: Final[dict[str, tuple[str, str]]] = {
    "1": ("pension", "基本养老保险"),
    "2": ("unemployment", "失业保险"),
    "3": ("medical", "职工基本医疗保险"),
    "4": ("injury", "工伤保险"),
    "5": ("maternity", "生育保险"),
    "10": ("large_medical", "大额医疗补助"),
}
"""Insurance code (险种, AAE140) -> (English key used in policy ids, Chinese label)."""

PAYERS: Final[dict[str, str]] = {"unit": "单位", "person": "个人"}
"""Payer -> Chinese label."""

DISTRICT_GROUPS: Final[dict[str, str]] = {"urban": "市区", "other": "其他区县"}
"""District group of ``minimum_wage.csv`` -> Chinese label."""

_PROVENANCE: Final = ("source", "status", "note")
_RATE_SCALE: Final = 6
_INSURANCE_KEYS: Final = {code: key for code, (key, _) in INSURANCES.items()}
_INSURANCE_LABELS: Final = {code: label for code, (_, label) in INSURANCES.items()}


# --------------------------------------------------------------------------- specs
@dataclass(frozen=True)
class _Spec:
    """How one CSV of a city's policy folder is typed and keyed.

    ``columns`` maps every non-provenance column, in file order, to its kind; a
    trailing ``!`` marks a required column. Kinds: ``text``, ``month`` (``YYYY-MM``),
    ``date`` (``YYYY-MM-DD``), ``int``, ``bool``, ``rate`` (kept + ``<col>_ppm``),
    ``yuan`` (replaced by ``<col>_fen``), ``years`` (kept + ``months``).
    """

    name: str
    columns: dict[str, str]
    keys: tuple[str, ...]
    window: str | None  # "month", "date" or None (undated)


TABLES: Final[tuple[_Spec, ...]] = (
    _Spec(
        "rates",
        {
            "insurance": "text!",
            "payer": "text!",
            "effective_from": "month!",
            "effective_to": "month",
            "rate": "rate",
            "fixed_fen": "int",
            "unit_risk_class": "text",
        },
        ("insurance", "payer", "unit_risk_class"),
        "month",
    ),
    _Spec(
        "base_limits",
        {
            "policy_year": "int!",
            "effective_from": "month!",
            "effective_to": "month",
            "average_wage": "yuan!",
            "floor": "yuan!",
            "ceiling": "yuan!",
        },
        (),
        "month",
    ),
    _Spec(
        "minimum_wage",
        {
            "district_group": "text!",
            "tier": "int!",
            "districts": "text",
            "effective_from": "month!",
            "effective_to": "month",
            "monthly_wage": "yuan!",
        },
        ("district_group",),
        "month",
    ),
    _Spec(
        "late_fee",
        {
            "parameter": "text!",
            "effective_from": "date!",
            "effective_to": "date",
            "value": "text!",
        },
        ("parameter",),
        "date",
    ),
    _Spec(
        "retirement",
        {
            "group": "text!",
            "effective_from": "month!",
            "effective_to": "month",
            "original_age_years": "int!",
            "step_months": "int",
            "max_delay_months": "int",
            "first_affected_birth_month": "month",
            "elastic_early_max_months": "int",
            "elastic_late_max_months": "int",
        },
        ("group",),
        "month",  # the window holds the retirement month a row applies to
    ),
    _Spec(
        "retirement_groups",
        {"gender": "text!", "identity": "text", "group": "text!"},
        ("gender", "identity"),
        None,
    ),
    _Spec(
        "retirement_posts",
        {"gender": "text!", "post": "text!", "group": "text!"},
        ("gender", "post"),
        None,
    ),
    _Spec(
        "min_contribution_years",
        {"retirement_year_from": "int", "retirement_year_to": "int", "years": "years!"},
        ("retirement_year_from", "retirement_year_to"),
        None,
    ),
    _Spec(
        "unemployment_duration",
        {"min_years": "int!", "max_years": "int", "max_months": "int!"},
        ("min_years",),
        None,
    ),
    _Spec(
        "unemployment_benefit",
        {"effective_from": "month!", "effective_to": "month", "basis": "text!", "rate": "rate!"},
        (),
        "month",
    ),
    _Spec(
        "enrolment_window",
        {
            "business": "text!",
            "effective_from": "month!",
            "effective_to": "month",
            "cutoff_day": "int!",
            "after_cutoff": "text!",
        },
        ("business",),
        "month",
    ),
    _Spec(
        "backpay",
        {
            "insurance": "text!",
            "effective_from": "month!",
            "effective_to": "month",
            "allowed": "bool!",
        },
        ("insurance",),
        "month",
    ),
    _Spec(
        "rounding",
        {
            "insurance": "text!",
            "effective_from": "month!",
            "effective_to": "month",
            "mode": "text!",
            "unit": "text!",
        },
        ("insurance",),
        "month",
    ),
    _Spec(
        "category_insurances",
        {
            "person_category": "text!",
            "insurance": "text!",
            "effective_from": "month",
            "effective_to": "month",
        },
        ("person_category", "insurance"),
        None,  # open-ended rows; the loader keeps the windows, the view shows the notes
    ),
    _Spec("card_photo", {"parameter": "text!", "value": "text!"}, ("parameter",), None),
    _Spec("working_age", {"parameter": "text!", "value": "text!"}, ("parameter",), None),
    _Spec(
        "remote_filing",
        {"registered_from": "date", "registered_to": "date", "min_months": "int!"},
        ("min_months",),
        None,
    ),
    _Spec(
        "other_filings",
        {
            "key": "text!",
            "value": "text!",
            "unit": "text",
            "effective_from": "month",
            "effective_to": "month",
        },
        ("key",),
        None,
    ),
    _Spec(
        "survivor_supplements",
        {
            "supplement": "text!",
            "rate": "rate!",
            "effective_from": "month!",
            "effective_to": "month",
        },
        ("supplement",),
        "month",
    ),
    _Spec(
        "unemployment_reasons",
        {"leave_reason": "text!", "involuntary": "bool!"},
        ("leave_reason",),
        None,
    ),
)
"""Every table of a city's policy folder, in the order of :meth:`Policy.view`."""
