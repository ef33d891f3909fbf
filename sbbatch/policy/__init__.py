"""Dated social-insurance policy of a city, kept as data (政策参数).

Every rate, base limit, minimum wage, late-fee rate and retirement-age parameter lives
in a commented CSV under ``schemas/policy/<city>/``. Each row carries its ``source``
and a ``status`` (``verified`` / ``secondary`` / ``inference``), and every row of a
dated table has an ``effective_from`` / ``effective_to`` window of months (inclusive;
an empty ``effective_to`` is open-ended). :class:`Policy` loads and checks those files
(the windows of a key must neither overlap nor leave a gap) and offers vectorised
as-of look-ups by month. Every looked-up row carries a stable ``policy_id`` such as
``rates:pension:unit:2019-05``, which :meth:`Policy.view` maps back to its source.

Conventions: months are ``pl.Date`` on the first of the month; money is integer fen
(``Int64``, ``*_fen``); a rate is kept verbatim (``rate``, ``String``) and as exact parts
per million (``rate_ppm``, ``Int64``), so ``base_fen × rate_ppm / 10⁶`` rounded half up
(:func:`sbbatch._money.half_up_fen`) is an exact amount in fen.

Example:
    >>> from datetime import date
    >>> import polars as pl
    >>> policy = Policy.load()
    >>> months = pl.DataFrame({"month": [date(2019, 3, 1), date(2019, 5, 1)]})
    >>> policy.rates_for(months, ["pension"]).filter(pl.col("payer") == "unit").select(
    ...     "month", "rate", "policy_id", "status"
    ... ).rows()
    [(datetime.date(2019, 3, 1), '0.18', 'rates:pension:unit:2018-01', 'inference'),
     (datetime.date(2019, 5, 1), '0.16', 'rates:pension:unit:2019-05', 'secondary')]

The package: :mod:`._tables` (the tables and code sets), :mod:`._loader` (reading and
checking a table), :mod:`._base` (fields, tables, the as-of join), :mod:`._rates`
(amounts by month), :mod:`._retirement` (the retirement schedule) and :mod:`._policy`
(:class:`Policy`: loading, windows, back-pay, the view).
"""

from __future__ import annotations

from sbbatch._money import half_up_fen
from sbbatch.policy._loader import rate_to_ppm
from sbbatch.policy._policy import Policy
from sbbatch.policy._rates import LateFeeRate
from sbbatch.policy._tables import (
    DISTRICT_GROUPS,
    INSURANCES,
    PAYERS,
    STATUS_DTYPE,
    STATUSES,
    TABLES,
)

__all__ = [
    "DISTRICT_GROUPS",
    "INSURANCES",
    "PAYERS",
    "STATUSES",
    "STATUS_DTYPE",
    "TABLES",
    "LateFeeRate",
    "Policy",
    "half_up_fen",  # re-exported: it lives in sbbatch._money
    "rate_to_ppm",
]
