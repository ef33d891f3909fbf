"""Contributions (缴费计算): what each unit and person owes, to the fen, and why.

For every unit, person, month, insurance (险种) and payer (单位 / 个人) a *line* holds the
declared wage (缴费工资), the approved base (缴费基数: the wage clamped to the month's
floor and ceiling, 按下限/上限核定), the rate (缴费费率) or fixed monthly amount, the
amount, and the ``policy_id`` of the policy row that set the rate — so every amount can
be reproduced from its base, its rate and its source (:meth:`sbbatch.policy.Policy.view`).

How an amount is computed (all integer arithmetic, exact):

- base_fen = min(max(wage_fen, floor_fen), ceiling_fen) with the month's
  ``base_limits`` row (``limits_policy_id``);
- amount_fen = base_fen × rate_ppm / 10⁶, half up to the fen (:mod:`sbbatch._money`:
  :func:`~sbbatch._money.half_up_fen` in polars, :func:`~sbbatch._money.half_up_div_sql`
  in SQL), per person, month, insurance and payer;
- a fixed monthly amount (大额医疗补助, ``fixed_fen``) is taken as it is and has no base;
- 工伤保险 (work injury) is paid by the unit at the rate of its industry risk class
  (行业风险类别), or at the unit's own floating rate (``units.injury_rate``) when the
  agency set one — its ``policy_id`` is then ``units:<unit_id>:injury_rate``;
- a payer with a zero rate (工伤 and 生育 for the person) gets no line;
- the base in force for a person and month is the wage of the approved 工资申报 that
  has not been revoked; wages loaded from outside (history, ``declaration_id`` NULL)
  apply where no such declaration exists.

Persons insured in a month without an approved base are never dropped silently: they are
listed in :attr:`Contributions.missing`.

The plan, the same in both engines: units are grouped by the rates they pay
(:func:`rate_groups`: they differ only in 工伤); the periods of a person in a unit are
folded into spells with a bit mask of insurances; each approved wage of a month is
clamped once, meets its covering spell, and is joined to the small table of rate lines
of its group, month and mask. polars (:func:`compute_lines`) makes the person detail,
with compact dtypes (:data:`DETAIL_COLUMNS`; :func:`plain` for text columns);
:func:`compute_totals` and DuckDB SQL (:func:`contribution_sql`, used by
:func:`unit_totals`) sum per unit and month without ever making the lines — every line
type is still priced and rounded per person. Tests hold the engines, and an independent
Decimal computation from the CSV files, equal to the fen.

Late fees (滞纳金) on back-payments: :func:`with_late_fees`.

At scale (a city's registry): :func:`contributions` with ``sink=`` streams the detail
from DuckDB (Arrow record batches) through the plan to a parquet/csv file, never
holding it; without ``sink`` a selection above :data:`FRAME_LINE_LIMIT` lines is
refused with a hint. "All months" skips (and counts) months before the policy tables.

The package: ``_lookups`` (dtypes, codes, months, limits, rates), ``_engine`` (the
polars plans), ``_late_fees`` — the three need no workspace — and ``_workspace``
(the plans over a workspace, read through :mod:`sbbatch.store.contributions`, where
the SQL lives).
"""

from sbbatch._money import yuan, yuan_expr
from sbbatch.contributions._chunked import write_lines
from sbbatch.contributions._engine import (
    compute_lines,
    compute_totals,
    insured_months,
    line_types,
    missing_bases,
    priced,
    rate_groups,
    wide_rates,
)
from sbbatch.contributions._late_fees import LateFeeTerms, late_fee_terms, with_late_fees
from sbbatch.contributions._lookups import (
    BASE_RULE_DTYPE,
    BASE_RULE_LABELS,
    DETAIL_COLUMNS,
    INSURANCE_DTYPE,
    PAYER_DTYPE,
    PAYER_LABELS,
    PLAIN_COLUMNS,
    insurance_codes,
    insurance_label_expr,
    limits_for,
    month_list,
    percent,
    plain,
    unit_rates,
)
from sbbatch.contributions._workspace import (
    FRAME_LINE_LIMIT,
    ContributionPlan,
    Contributions,
    WrittenContributions,
    contribution_plan,
    contribution_sql,
    contributions,
    effective_bases_sql,
    policy_first_month,
    rates_for_unit,
    sql_filters,
    sql_inputs,
    unit_totals,
    write_contributions,
)

__all__ = [
    "BASE_RULE_DTYPE",
    "BASE_RULE_LABELS",
    "DETAIL_COLUMNS",
    "FRAME_LINE_LIMIT",
    "INSURANCE_DTYPE",
    "PAYER_DTYPE",
    "PAYER_LABELS",
    "PLAIN_COLUMNS",
    "ContributionPlan",
    "Contributions",
    "LateFeeTerms",
    "WrittenContributions",
    "compute_lines",
    "compute_totals",
    "contribution_plan",
    "contribution_sql",
    "contributions",
    "effective_bases_sql",
    "insurance_codes",
    "insurance_label_expr",
    "insured_months",
    "late_fee_terms",
    "limits_for",
    "line_types",
    "missing_bases",
    "month_list",
    "percent",
    "plain",
    "policy_first_month",
    "priced",
    "rate_groups",
    "rates_for_unit",
    "sql_filters",
    "sql_inputs",
    "unit_rates",
    "unit_totals",
    "wide_rates",
    "with_late_fees",
    "write_contributions",
    "write_lines",
    "yuan",
    "yuan_expr",
]
