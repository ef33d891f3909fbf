"""Revoking the basic-information confirmation of industry-pooled persons
(撤销行业统筹人员基本信息认定), manual §3.10.

「录入行业统筹人员身份证号码，点击放大镜，选择人员信息，点击提交中心撤销。」 One row per
person (身份证号码, 姓名, 性别). The agency revokes a confirmed basic-info check of the
unit; while the person's pension check (核对行业统筹人员养老金) stands, it must be
revoked first, for it rests on the basic information. Made by
:func:`._pooled.revocation`, like 撤销行业统筹人员养老金认定.
"""

from __future__ import annotations

import polars as pl

from sbbatch.declarations._pooled import revocation
from sbbatch.spec import Rule

__all__ = ["COLUMNS", "DECLARATION", "REVIEW_RULES"]

DECLARATION = revocation(
    kind="pooled_person_revocation",
    title="撤销行业统筹人员基本信息认定",
    which="person",
    description="撤销已认定的行业统筹人员基本信息。一行一人。",
    confirmed=Rule(
        "person_confirmed",
        "reject",
        "person_id",
        "本单位没有该人员已认定的行业统筹人员基本信息，无需撤销。",
        pl.col("person_check_id").is_not_null(),
        when=pl.col("reg_name").is_not_null(),
    ),
    before_once=(
        Rule(
            "pension_revoked_first",
            "reject",
            "person_id",
            "该人员的行业统筹人员养老金已认定（申报编号 {pension_check_id}）。"
            "提示：请先撤销行业统筹人员养老金认定。",
            pl.col("pension_check_id").is_null(),
        ),
    ),
)

COLUMNS = DECLARATION.columns
REVIEW_RULES = DECLARATION.review.rules if DECLARATION.review else ()
