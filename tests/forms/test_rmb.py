"""Amounts in Chinese capitals (大写): golden list and an independent PBOC-rule oracle."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sbbatch.exceptions import UnusableInputError
from sbbatch.forms.rmb import fen_in_words, in_words

GOLDEN = [
    ("0.01", "壹分"),
    ("10", "壹拾元整"),
    ("100.5", "壹佰元伍角"),
    ("1001", "壹仟零壹元整"),
    ("3500", "叁仟伍佰元整"),
    ("10000.07", "壹万元零柒分"),
    ("1000000", "壹佰万元整"),
    ("100000.01", "壹拾万元零壹分"),
    ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
    # the rules' own examples (《支付结算办法》附件一 第七条)
    ("1409.50", "壹仟肆佰零玖元伍角"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("107000.53", "壹拾万柒仟元伍角叁分"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("0", "零元整"),
    ("100000000.01", "壹亿元零壹分"),
]


@pytest.mark.parametrize(("amount", "words"), GOLDEN)
def test_golden(amount: str, words: str) -> None:
    assert in_words(Decimal(amount)) == words
    assert in_words(amount) == words
    fen = int(Decimal(amount) * 100)
    assert fen_in_words(fen) == words


def test_exponent_and_integer_inputs() -> None:
    assert in_words(Decimal("1E+3")) == "壹仟元整"
    assert in_words(Decimal("3.5E+3")) == "叁仟伍佰元整"
    assert in_words(3500) == "叁仟伍佰元整"
    assert in_words(Decimal("100.50")) == "壹佰元伍角"


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (0.5, "浮点数"),
        (Decimal("1.005"), "超过两位小数"),
        (Decimal("-1"), "超出可转换的范围"),
        (Decimal(10) ** 12, "超出可转换的范围"),
        ("abc", "不是数字"),
        (Decimal("NaN"), "不是数字"),
        (True, "无效"),
    ],
)
def test_refused(amount: object, reason: str) -> None:
    with pytest.raises(UnusableInputError, match=reason):
        in_words(amount)  # type: ignore[arg-type]
    with pytest.raises(UnusableInputError):
        fen_in_words(1.5)  # type: ignore[arg-type]


# ---------------------------------------------------------------- independent oracle
_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _group(n: int) -> str:
    """0 < n < 10000 in capitals, inner zeros as one 零, no leading 零."""
    out, zero, started = "", False, False
    for digit, unit in zip(f"{n:04d}", ("仟", "佰", "拾", ""), strict=True):
        if digit == "0":
            zero = zero or started
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[int(digit)] + unit
        started = True
    return out


def _yuan(n: int) -> str:
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    names = ("", "万", "亿")
    out, pending, first = "", False, True
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending = True
            continue
        # a lower group below 1000 always needs 零; one from 1000 up may leave it out (rule 三)
        if not first and group < 1000:
            out += "零"
        out += _group(group) + names[index]
        first, pending = False, False
    del pending
    return out


def oracle(fen: int) -> str:
    """The PBOC rules, leaving out every optional 零 and writing 整 only after 元."""
    if fen == 0:
        return "零元整"
    yuan, rest = divmod(fen, 100)
    jiao, cents = divmod(rest, 10)
    out = _yuan(yuan) + "元" if yuan else ""
    if not jiao and not cents:
        return out + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif yuan:
        out += "零"  # rule 四: 角位 0 and 分 not 0
    if cents:
        out += _DIGITS[cents] + "分"
    return out


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        st.integers(min_value=0, max_value=10**14 - 1),
        st.integers(min_value=0, max_value=10**8).map(lambda n: n * 100),
        st.integers(min_value=0, max_value=10**6),
    )
)
def test_cn2an_agrees_with_the_oracle(fen: int) -> None:
    assert fen_in_words(fen) == oracle(fen)


def test_importing_sbbatch_does_not_import_cn2an() -> None:
    import subprocess
    import sys

    code = "import sys, sbbatch.forms.rmb as r; print('cn2an' in sys.modules, r.fen_in_words(5))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "伍分"]
