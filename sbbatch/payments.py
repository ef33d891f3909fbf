"""Bills (单据) and payments (缴费): 工资申报缴费 and 社会保险费补缴缴费.

Manual §2.1. After a 工资申报, a unit that pays actively (网银缴费) generates a bill
(生成单据) for a fee month over the insurances it chooses (选择缴费险种), then pays it
(在线支付 → 立即支付); the bank answers 支付成功 or 支付失败, after which the unit pays
again (重新支付) or gives up (放弃支付). A unit paying by bank deduction (银行代扣,
``payment_method`` 1) needs no bill: the bank deducts what the 工资申报 makes due. For
approved back-payments (社会保险费补缴), 全部选中 → 生成单据 makes one bill over every
approved, unbilled back-payment of the unit, with the 滞纳金 counted to the bill's day.
A 工资申报缴费 bill for a past fee month generated after its due date carries the same
滞纳金 (:func:`sbbatch.contributions.with_late_fees`: same policy rows, day count and
rounding) and is payable on that day only; a bill generated on time carries none and
stays payable up to its due date.

A bill holds one line per person, fee month, insurance and payer, copied from the
contribution detail (:mod:`sbbatch.contributions`) with its base, rate and
``policy_id``; its total is the sum of its lines, to the fen. States:

=============  ==========  ===================================================
state          label       next
=============  ==========  ===================================================
``unpaid``     未支付      ``paid`` / ``failed`` (立即支付), ``abandoned``
``failed``     支付失败    ``paid`` / ``failed`` (重新支付), ``abandoned``
``paid``       支付成功    — (a paid bill never changes again)
``abandoned``  已放弃      — (its lines are free for a new bill)
=============  ==========  ===================================================

A line's key (unit, person, month, insurance, payer) is on at most one bill that is not
abandoned, so a month is paid at most once. Payment goes through a
:class:`PaymentGateway`; :class:`SimulatedGateway` answers success, failure, or a
seeded random outcome. Every change is one transaction and is logged in ``events``
(``declaration_id`` = the bill number).

The bill number (单据号) is ``DJ`` + the agency's date ``YYYYMMDD`` + a 5-digit
running number of that day (our own format: the manual does not show one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

import polars as pl

from sbbatch.contributions import (
    PLAIN_COLUMNS,
    contributions,
    insurance_codes,
    with_late_fees,
    yuan,
)
from sbbatch.exceptions import InvalidTransitionError, UnusableInputError
from sbbatch.policy import Policy
from sbbatch.store import payments as store
from sbbatch.store.queries import find_unit

if TYPE_CHECKING:
    from sbbatch.store import Workspace

__all__ = [
    "BILL_KIND_LABELS",
    "BILL_STATUS_LABELS",
    "PaymentGateway",
    "PaymentOutcome",
    "PaymentRequest",
    "SimulatedGateway",
    "abandon",
    "bill",
    "bill_lines",
    "bill_summary",
    "create_backpay_bill",
    "create_bill",
    "pay",
    "payments_of",
    "record_payment",
]

BILL_STATUS_LABELS: dict[str, str] = {
    "unpaid": "未支付",
    "paid": "支付成功",
    "failed": "支付失败",
    "abandoned": "已放弃",
}

#: The kinds of bill (单据) in ``bills.kind`` (``schemas/ddl/002_money.sql``): a month's
#: contributions from the 工资申报, or the lines of a 补缴 declaration.
WAGE_BILL, BACKPAY_BILL = "wage", "backpay"

BILL_KIND_LABELS: dict[str, str] = {WAGE_BILL: "工资申报缴费", BACKPAY_BILL: "社会保险费补缴缴费"}

_BANK_DEDUCTION = "1"
_KEY = ["unit_id", "person_id", "month", "insurance", "payer"]
_LINE_COLUMNS = [
    *PLAIN_COLUMNS,
    "backpay_id",
    "due_date",
    "late_fee_days",
    "late_fee_fen",
    "late_fee_policy_id",
]


# ------------------------------------------------------------------------------- gateway
@dataclass(frozen=True)
class PaymentRequest:
    """What is asked of the payment channel: pay ``amount_fen`` for a bill."""

    bill_id: str
    unit_id: str
    amount_fen: int
    attempt: int
    paid_on: dt.date


@dataclass(frozen=True)
class PaymentOutcome:
    """The channel's answer: 支付成功 or 支付失败, its transaction number and message."""

    success: bool
    reference: str | None = None
    message: str = ""


class PaymentGateway(Protocol):
    """A payment channel (在线支付 / a bank). ``name`` is recorded with every attempt."""

    name: str

    def charge(self, request: PaymentRequest) -> PaymentOutcome:
        """Try to collect ``request.amount_fen`` and say whether it worked."""
        ...


class SimulatedGateway:
    """A payment channel for demos and tests.

    Args:
        mode: ``"success"`` (every payment succeeds), ``"failure"`` (every payment
            fails, as when the bank declines) or ``"random"``.
        seed: For ``"random"``: the outcome is a hash of the seed, the bill and the
            attempt, so the same call gives the same answer.
        success_share: For ``"random"``: the share of attempts that succeed.

    Examples:
        >>> request = PaymentRequest("DJ2026112600001", "0010118873", 100, 1, dt.date(2026, 11, 26))
        >>> SimulatedGateway("failure").charge(request).message
        '银行返回：账户余额不足，支付失败。'
        >>> SimulatedGateway("random", seed=1).charge(request) == SimulatedGateway("random", seed=1).charge(request)
        True
    """

    def __init__(
        self,
        mode: Literal["success", "failure", "random"] = "success",
        *,
        seed: int = 0,
        success_share: float = 0.8,
    ) -> None:
        if mode not in ("success", "failure", "random"):
            msg = f"模拟支付方式「{mode}」无效。提示：可用 success、failure 或 random。"
            raise UnusableInputError(msg)
        self.mode = mode
        self.seed = seed
        self.success_share = success_share
        self.name = f"simulated:{mode}"

    def _draw(self, request: PaymentRequest) -> float:
        key = f"{self.seed}:{request.bill_id}:{request.attempt}".encode()
        return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") / 2**64

    def charge(self, request: PaymentRequest) -> PaymentOutcome:
        """Answer success or failure as configured."""
        success = self.mode == "success" or (
            self.mode == "random" and self._draw(request) < self.success_share
        )
        digest = hashlib.sha256(f"{request.bill_id}:{request.attempt}".encode()).hexdigest()[:12]
        if success:
            return PaymentOutcome(True, f"SIM{digest.upper()}", "支付成功。")
        return PaymentOutcome(False, f"SIM{digest.upper()}", "银行返回：账户余额不足，支付失败。")


# ------------------------------------------------------------------------------- reading
def bill(ws: Workspace, bill_id: str) -> dict[str, Any]:
    """Return one bill's header as a dict, or raise a Chinese error."""
    found = store.bill_header(ws, bill_id)
    if found.height == 0:
        msg = f"找不到单据「{bill_id}」。"
        raise UnusableInputError(msg)
    return found.row(0, named=True)


def bill_lines(ws: Workspace, bill_id: str) -> pl.DataFrame:
    """Return a bill's lines in order (one per person, month, insurance and payer)."""
    bill(ws, bill_id)
    return store.bill_lines(ws, bill_id)


def bill_summary(ws: Workspace, bill_id: str) -> pl.DataFrame:
    """Return a bill's lines summed per insurance and payer.

    Columns: ``insurance, payer, persons, base_fen, rate, rate_ppm, fixed_fen,
    amount_fen, late_fee_fen``; ``rate`` is null where a unit's lines mix rates
    (several months or units with different rates).
    """
    return store.bill_summary(ws, bill_id)


def payments_of(ws: Workspace, bill_id: str) -> pl.DataFrame:
    """Return every payment attempt of a bill, oldest first."""
    return store.payments_of(ws, bill_id)


# ------------------------------------------------------------------------------- writing
def _log(
    ws: Workspace, bill_id: str, action: str, before: str | None, after: str | None, note: str
) -> None:
    store.log_event(ws, bill_id, action, before, after, note)


def _next_bill_id(ws: Workspace) -> str:
    name = f"bill:{ws.today:%Y%m%d}"
    number = store.next_counter(ws, name)
    return f"DJ{ws.today:%Y%m%d}{number:05d}"


def _unit(ws: Workspace, unit_id: str) -> dict[str, Any]:
    found = find_unit(ws, unit_id)
    if found.height == 0:
        msg = f"单位编号「{unit_id}」不在工作区中。"
        raise UnusableInputError(msg)
    return found.row(0, named=True)


def _taken_keys(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """Keys already on a bill that is not abandoned, or in an approved back-payment."""
    return store.taken_keys(ws, unit_id)


def _insert_bill(
    ws: Workspace,
    kind: str,
    unit_id: str,
    lines: pl.DataFrame,
    *,
    fee_month: dt.date | None,
    late_fee_until: dt.date | None,
    note: str | None,
) -> str:
    bill_id = _next_bill_id(ws)
    for column, dtype in (
        ("backpay_id", pl.String),
        ("due_date", pl.Date),
        ("late_fee_days", pl.Int32),
        ("late_fee_fen", pl.Int64),
        ("late_fee_policy_id", pl.String),
    ):
        if column not in lines.columns:
            lines = lines.with_columns(pl.lit(None, dtype).alias(column))
    lines = lines.with_columns(pl.col("late_fee_fen").fill_null(0))
    stored = lines.select(
        pl.lit(bill_id).alias("bill_id"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int32).alias("line_no"),
        *_LINE_COLUMNS,
    )
    contribution = int(stored["amount_fen"].sum())
    late_fee = int(stored["late_fee_fen"].sum())
    insurances = ",".join(sorted(stored["insurance"].unique().to_list(), key=int))
    store.insert_bill(
        ws,
        {
            "bill_id": bill_id,
            "kind": kind,
            "unit_id": unit_id,
            "fee_month": fee_month,
            "insurances": insurances,
            "created_at": ws.now(),
            "created_by": ws.user,
            "late_fee_until": late_fee_until,
            "contribution_fen": contribution,
            "late_fee_fen": late_fee,
            "total_fen": contribution + late_fee,
            "note": note,
        },
    )
    ws._checkpoint("bill:header")
    ws.insert_frame("bill_lines", stored)
    ws._checkpoint("bill:lines")
    _log(
        ws,
        bill_id,
        "bill_create",
        None,
        "unpaid",
        f"{BILL_KIND_LABELS[kind]}：{stored.height} 行，合计 {yuan(contribution + late_fee)} 元"
        + (f"（含滞纳金 {yuan(late_fee)} 元）" if late_fee else ""),
    )
    return bill_id


def create_bill(
    ws: Workspace,
    unit_id: str,
    month: dt.date,
    *,
    insurances: Iterable[str] | None = None,
    allow_missing: bool = False,
    note: str | None = None,
    policy: Policy | None = None,
) -> str:
    """Generate the bill of a fee month (工资申报缴费 → 生成单据) over the chosen insurances.

    Args:
        ws: The workspace.
        unit_id: The unit (单位编号).
        month: The fee month (费款所属期), any day of it.
        insurances: The insurances to pay (选择缴费险种); all by default.
        allow_missing: Bill even though some insured persons have no approved base
            for the month (they are then left off the bill); refused by default.
            The 滞纳金 of a fee month past its due date is counted to the agency's date,
            as for 补缴.
        note: Recorded with the bill.
        policy: The policy.

    Returns:
        The bill number.

    Raises:
        UnusableInputError: the unit pays by bank deduction (no bill needed), a later
            month than the agency's, persons without a base, or nothing left to bill.
    """
    month = month.replace(day=1)
    unit = _unit(ws, unit_id)
    if unit["payment_method"] == _BANK_DEDUCTION:
        msg = (
            f"单位「{unit['name']}」（{unit_id}）的缴费方式为银行代扣：完成工资申报即可，"
            "银行按代扣协议扣款，不需要生成单据，也不需要办理工资申报缴费。"
        )
        raise UnusableInputError(msg)
    if month > ws.today.replace(day=1):
        msg = f"费款所属期 {month:%Y-%m} 晚于本月，不能生成单据。"
        raise UnusableInputError(msg)
    wanted = insurance_codes(insurances)
    with ws.transaction():
        result = contributions(ws, months=month, unit_id=unit_id, insurances=wanted, policy=policy)
        if result.missing.height and not allow_missing:
            msg = (
                f"{month:%Y-%m} 有 {result.missing.select('person_id').n_unique()} 人已参保但没有审核通过的缴费工资，"
                "不能生成单据。提示：请先为他们办理工资申报；或用 allow_missing=True 先为其他人生成单据。"
            )
            raise UnusableInputError(msg)
        lines = result.plain().join(_taken_keys(ws, unit_id), on=_KEY, how="anti")
        if lines.height == 0:
            msg = (
                f"{month:%Y-%m} 没有可生成单据的费款。提示：该月的费款可能已全部生成单据或已缴费，"
                "可在缴费单据查询中查看。"
            )
            raise UnusableInputError(msg)
        # the same 滞纳金 as 补缴 (same rows, days and rounding): a past fee month billed
        # after its due date carries the fee counted to the agency's date, on time is 0
        lines = with_late_fees(lines, ws.today, policy=policy)
        counted = bool((lines["late_fee_days"].fill_null(0) > 0).any())
        first_due: dt.date = lines["due_date"].min()  # type: ignore[assignment]
        until = ws.today if counted else first_due
        return _insert_bill(
            ws, WAGE_BILL, unit_id, lines, fee_month=month, late_fee_until=until, note=note
        )


def create_backpay_bill(
    ws: Workspace,
    unit_id: str,
    *,
    declarations: Iterable[str] | None = None,
    note: str | None = None,
    policy: Policy | None = None,
) -> str:
    """Generate the bill of the unit's approved back-payments (补缴缴费: 全部选中 → 生成单据).

    Every approved back-payment line not yet on a live bill is included (or only those
    of ``declarations``), with its 滞纳金 counted to the agency's date: the bill can be
    paid on that day only (a later payment needs a new bill, as the fee grows daily).

    Returns:
        The bill number.

    Raises:
        UnusableInputError: nothing is waiting to be paid.
    """
    unit = _unit(ws, unit_id)
    del unit
    chosen = list(declarations) if declarations is not None else None
    with ws.transaction():
        items = store.unbilled_backpay_items(ws, unit_id)
        if chosen is not None:
            items = items.filter(pl.col("declaration_id").is_in(chosen))
        if items.height == 0:
            msg = "没有待缴费的补缴。提示：补缴申报审核成功后才能生成补缴单据；已生成的单据可在缴费单据查询中查看。"
            raise UnusableInputError(msg)
        lines = with_late_fees(items, ws.today, policy=policy).rename(
            {"declaration_id": "backpay_id"}
        )
        return _insert_bill(
            ws, BACKPAY_BILL, unit_id, lines, fee_month=None, late_fee_until=ws.today, note=note
        )


def _payable(ws: Workspace, header: dict[str, Any]) -> None:
    status = header["status"]
    if status == "paid":
        msg = f"单据「{header['bill_id']}」已支付成功，不能重复支付。"
        raise InvalidTransitionError(msg)
    if status == "abandoned":
        msg = f"单据「{header['bill_id']}」已放弃支付。提示：请重新生成单据后再支付。"
        raise InvalidTransitionError(msg)
    until = header["late_fee_until"]
    # a bill with 滞纳金 is valid on the day it was counted to; a bill without (generated
    # before the due date) stays valid up to its due date, after which the fee starts
    stale = until is not None and (
        ws.today > until or (bool(header["late_fee_fen"]) and ws.today != until)
    )
    if stale:
        again = "补缴单据" if header["kind"] == BACKPAY_BILL else "单据"
        msg = (
            f"单据「{header['bill_id']}」的滞纳金计算至 {until:%Y-%m-%d}，今天是 {ws.today:%Y-%m-%d}，"
            f"金额已变化。提示：请放弃支付该单据，重新生成{again}。"
        )
        raise InvalidTransitionError(msg)


def pay(ws: Workspace, bill_id: str, gateway: PaymentGateway | None = None) -> PaymentOutcome:
    """Pay a bill (立即支付, or 重新支付 after a failure) through a payment channel.

    The channel is asked first, outside any transaction; its answer is then recorded
    in one transaction (:func:`record_payment`).

    Args:
        ws: The workspace.
        bill_id: An unpaid or failed bill.
        gateway: The channel; :class:`SimulatedGateway` (success) by default.

    Returns:
        The channel's answer.

    Raises:
        InvalidTransitionError: the bill is paid, abandoned, or its late fee is stale.
    """
    gateway = gateway or SimulatedGateway()
    header = bill(ws, bill_id)
    _payable(ws, header)
    attempt = payments_of(ws, bill_id).height + 1
    request = PaymentRequest(
        bill_id, header["unit_id"], int(header["total_fen"]), attempt, ws.today
    )
    outcome = gateway.charge(request)
    record_payment(ws, bill_id, outcome, gateway=gateway.name)
    return outcome


def record_payment(
    ws: Workspace, bill_id: str, outcome: PaymentOutcome, *, gateway: str = "manual"
) -> None:
    """Record a payment attempt's outcome (选择支付成功 / 支付失败) in one transaction.

    Raises:
        InvalidTransitionError: the bill is already paid or abandoned.
    """
    with ws.transaction():
        header = bill(ws, bill_id)
        _payable(ws, header)
        attempt = store.count_payments(ws, bill_id) + 1
        after = "paid" if outcome.success else "failed"
        store.insert_payment(
            ws,
            {
                "bill_id": bill_id,
                "attempt": attempt,
                "paid_on": ws.today,
                "occurred_at": ws.now(),
                "by_user": ws.user,
                "gateway": gateway,
                "amount_fen": header["total_fen"],
                "outcome": "success" if outcome.success else "failure",
                "reference": outcome.reference,
                "message": outcome.message,
            },
        )
        ws._checkpoint("payment:attempt")
        store.set_bill_status(ws, bill_id, after, ws.now() if outcome.success else None)
        action = "pay" if attempt == 1 else "repay"
        label = "立即支付" if attempt == 1 else "重新支付"
        _log(
            ws,
            bill_id,
            action,
            header["status"],
            after,
            f"{label}（第 {attempt} 次）：{BILL_STATUS_LABELS[after]}，{yuan(header['total_fen'])} 元"
            + (f"，{outcome.message}" if outcome.message and not outcome.success else ""),
        )


def abandon(ws: Workspace, bill_id: str, note: str | None = None) -> None:
    """Give up a bill (放弃支付): its lines become free for a new bill.

    Raises:
        InvalidTransitionError: the bill is paid or already abandoned.
    """
    with ws.transaction():
        header = bill(ws, bill_id)
        if header["status"] == "paid":
            msg = f"单据「{bill_id}」已支付成功，不能放弃。"
            raise InvalidTransitionError(msg)
        if header["status"] == "abandoned":
            msg = f"单据「{bill_id}」已放弃支付。"
            raise InvalidTransitionError(msg)
        store.abandon_bill(ws, bill_id)
        _log(ws, bill_id, "abandon", header["status"], "abandoned", note or "放弃支付")
