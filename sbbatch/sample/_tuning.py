"""The shape of the synthetic world: table schemas and the shares and weights that tune it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import polars as pl

if TYPE_CHECKING:
    pass

SCHEMAS: Final[dict[str, dict[str, pl.DataType]]] = {
    "units": {
        "unit_id": pl.String(),
        "name": pl.String(),
        "unit_type": pl.String(),
        "risk_class": pl.Int32(),
        "injury_rate": pl.String(),
        "payment_method": pl.String(),
        "bank": pl.String(),
        "county_code": pl.String(),
        "agency": pl.String(),
        "insured_since": pl.Date(),
    },
    "persons": {
        "person_id": pl.String(),
        "name": pl.String(),
        "gender": pl.String(),
        "birth_date": pl.Date(),
        "ethnicity": pl.String(),
        "phone": pl.String(),
        "hukou_province": pl.String(),
        "hukou_city": pl.String(),
        "hukou_county": pl.String(),
        "hukou_detail": pl.String(),
        "address": pl.String(),
        "hukou_type": pl.String(),
        "employment_form": pl.String(),
        "identity": pl.String(),
        "work_start_date": pl.Date(),
    },
    "insured_periods": {
        "unit_id": pl.String(),
        "person_id": pl.String(),
        "insurance": pl.String(),
        "person_category": pl.String(),
        "from_month": pl.Date(),
        "until_month": pl.Date(),
        "add_reason": pl.String(),
        "leave_reason": pl.String(),
        "opened_by": pl.String(),
        "closed_by": pl.String(),
    },
    "wage_bases": {
        "unit_id": pl.String(),
        "person_id": pl.String(),
        "month": pl.Date(),
        "wage_fen": pl.Int64(),
        "declaration_id": pl.String(),
        "revoked_by": pl.String(),
    },
}
"""Columns and dtypes of each frame: those of the workspace table of the same name."""

# ----------------------------------------------------------------------------- tuning
# Shares and weights that shape the world. Codes only; every Chinese word is in schemas/sample.
_MALE_SHARE: Final = 0.54
_TWO_SPELLS: Final = 0.18  # persons with a second employment spell in another unit
_DEPARTED: Final = 0.12  # persons whose last spell ended before last_month (减员)
_OPEN_AT_START: Final = 0.35  # persons already on the books in first_month
_FORCED_EVERY: Final = 50  # one person in 50 near retirement, one in 50 retired in-world
_NEAR_RETIREMENT_MONTHS: Final = 6
_ADULT_MONTHS: Final = 18 * 12  # first insured month is after the 18th birthday month
_YOUNGEST_MONTHS: Final = 20 * 12  # everybody is at least 20 at last_month
_OLDEST_MONTHS: Final = 75 * 12
# weight of a birth month by age (years) at last_month: (lowest age, weight)
_AGE_WEIGHTS: Final = ((20, 5), (23, 10), (30, 12), (40, 10), (50, 7), (55, 4), (60, 2))
_GROUPS: Final = ("male", "female_55", "female_50")  # retirement groups (retirement.csv)
_MODES: Final = ("normal", "near", "retired")
_UNIT_KINDS: Final = ("enterprise", "institution", "agency", "sole")
_FIRST_KINDS: Final = ("enterprise", "institution", "agency", "sole", "enterprise")
_LATER_KIND_WEIGHTS: Final = (85, 6, 3, 6)  # kinds of units 6, 7, … in _UNIT_KINDS order
_CADRE_SHARE: Final = {"enterprise": 22, "institution": 55, "agency": 5, "sole": 3}  # % 干部
_ETHNICITY: Final = (
    ("01", 9500),
    ("03", 300),
    ("11", 60),
    ("02", 40),
    ("08", 20),
    ("10", 20),
    ("06", 15),
    ("15", 15),
    ("05", 10),
)
# mobile number prefixes (号段) in common use
_PHONE_PREFIXES: Final = tuple(
    str(prefix)
    for prefix in (
        *range(130, 140),
        *range(150, 154),
        *range(155, 160),
        166,
        170,
        171,
        173,
        *range(175, 179),
        *range(180, 190),
        191,
        198,
        199,
    )
)
_MIDDLE_LEAVE: Final = (("222", 45), ("221", 30), ("241", 20), ("223", 5))
_FINAL_LEAVE: Final = (
    ("222", 45),
    ("221", 30),
    ("241", 8),
    ("231", 8),
    ("223", 5),
    ("211", 2),
    ("212", 2),
)
_WAGE_SIGMA: Final = 0.35
_SENIOR: Final = 0.02  # senior staff earning 3-4.5 times their unit's level (plus one in 50)
_WAGE_MIN_YUAN: Final = 2_300
_WAGE_MAX_YUAN: Final = 60_000

_M32: Final = 1 << 32
