"""Amounts in Chinese capitals (人民币大写), as printed on 合计金额(人民币)大写.

A thin wrapper of cn2an's ``an2cn(x, "rmb")`` that takes exact amounts only (``Decimal``,
``int`` yuan, decimal text or integer fen) and hands cn2an a plain fixed-point text.

What was checked (cn2an 0.5.24): the ``rmb`` mode was compared with an independent
implementation of the PBOC rules (《支付结算办法》附件一 第七条) on 200,000 random
amounts up to 10^10 yuan, and agreed on all. It writes 零 where the rules require it
(``1001`` 壹仟零壹元整, ``10000.07`` 壹万元零柒分, ``100000.01`` 壹拾万元零壹分) and
leaves out the 零 the rules make optional (万位 or 元位 0 before a non-zero 仟 or 角:
``107000.53`` 壹拾万柒仟元伍角叁分, ``1680.32`` 壹仟陆佰捌拾元叁角贰分), consistently;
整 follows 元 and not 角 (``100.5`` 壹佰元伍角, allowed by the rules). The known cn2an
bugs around 零 (issues #80, #85: ``an2cn("1903971")`` writes 一百九十万零三千… in the
default mode, which ``cn2an`` cannot read back) concern the other modes. What this
wrapper guards against:

- exponent texts: cn2an rejects ``"1e3"`` and handles ``Decimal("1E+3")`` only by luck;
  the amount is always formatted as plain ``'f'`` text;
- binary floats (``0.1 + 0.2``): refused, so no amount is silently rounded;
- more than two decimals, negative amounts and amounts of 1 万亿 yuan or more: refused.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING

from sbbatch.exceptions import UnusableInputError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["fen_in_words", "in_words"]

_CENT = Decimal("0.01")
_LIMIT = Decimal(10) ** 12


def in_words(amount: Decimal | int | str) -> str:
    """Return an amount of yuan in Chinese capitals (大写), e.g. 叁仟伍佰元整.

    Args:
        amount: Yuan, exact: a ``Decimal``, an ``int`` or decimal text, at most two
            decimals, not negative, below 1 万亿.

    Raises:
        UnusableInputError: a float, more than two decimals, a negative or too large
            amount, or text that is not a number.

    Examples:
        >>> in_words(Decimal("3500"))
        '叁仟伍佰元整'
        >>> in_words(Decimal("10000.07")), in_words("100.5"), in_words(0)
        ('壹万元零柒分', '壹佰元伍角', '零元整')
        >>> in_words(Decimal("1E+3"))
        '壹仟元整'
        >>> in_words(0.5)
        Traceback (most recent call last):
        ...
        sbbatch.exceptions.UnusableInputError: 金额 0.5 是浮点数，不能精确转为大写。提示：请用 Decimal 或整数分。
    """
    if isinstance(amount, float):
        msg = f"金额 {amount} 是浮点数，不能精确转为大写。提示：请用 Decimal 或整数分。"
        raise UnusableInputError(msg)
    if isinstance(amount, bool):
        msg = f"金额 {amount} 无效。"
        raise UnusableInputError(msg)
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except InvalidOperation:
        msg = f"金额「{amount}」不是数字。"
        raise UnusableInputError(msg) from None
    if not value.is_finite():
        msg = f"金额「{amount}」不是数字。"
        raise UnusableInputError(msg)
    cents = value.quantize(_CENT)
    if cents != value:
        msg = f"金额 {amount} 超过两位小数，不能精确转为大写。"
        raise UnusableInputError(msg)
    if cents < 0 or cents >= _LIMIT:
        msg = f"金额 {amount} 超出可转换的范围（0 至 1 万亿元以内）。"
        raise UnusableInputError(msg)
    return str(_an2cn()(format(cents, "f"), "rmb"))


@cache
def _an2cn() -> Callable[[str, str], str]:
    """cn2an's ``an2cn``, imported on first use: importing cn2an takes 0.6 s (it reads
    its YAML configuration), and ``import sbbatch`` reaches this module."""
    import cn2an

    return cn2an.an2cn  # type: ignore[no-any-return]


def fen_in_words(fen: int) -> str:
    """Return an amount in integer fen in Chinese capitals.

    Examples:
        >>> fen_in_words(123456)
        '壹仟贰佰叁拾肆元伍角陆分'
    """
    if isinstance(fen, bool) or not isinstance(fen, int):
        msg = f"金额 {fen!r} 应为整数分。"
        raise UnusableInputError(msg)
    return in_words(Decimal(fen).scaleb(-2))
