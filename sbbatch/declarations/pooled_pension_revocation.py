"""Revoking the pension confirmation of industry-pooled persons (撤销行业统筹人员养老金认定),
manual §3.12.

「录入行业统筹人员身份证号码，点击放大镜，选择人员信息，点击提交中心撤销，等待中心撤销结果。」
One row per person (身份证号码, 姓名, 性别). The agency revokes a confirmed pension check
of the unit; the basic-info confirmation stays. Made by :func:`._pooled.revocation`,
like 撤销行业统筹人员基本信息认定.
"""

from __future__ import annotations

import polars as pl

from sbbatch.declarations._pooled import revocation
from sbbatch.spec import Rule

__all__ = ["COLUMNS", "DECLARATION", "REVIEW_RULES"]

DECLARATION = revocation(
    kind="pooled_pension_revocation",
    title="撤销行业统筹人员养老金认定",
    which="pension",
    description="撤销已认定的行业统筹人员养老金。一行一人。",
    confirmed=Rule(
        "pension_confirmed",
        "reject",
        "person_id",
        "本单位没有该人员已认定的行业统筹人员养老金，无需撤销。",
        pl.col("pension_check_id").is_not_null(),
        when=pl.col("reg_name").is_not_null(),
    ),
)

COLUMNS = DECLARATION.columns
REVIEW_RULES = DECLARATION.review.rules if DECLARATION.review else ()
