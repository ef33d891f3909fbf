"""The queries of the manual's 信息查询: units, persons, payments, rates, bills, declarations.

One module per area: :mod:`sbbatch.queries.registry` (单位信息, 单位人员, 申报业务,
办理进度), :mod:`sbbatch.queries.money` (单位缴费情况, 人员缴费情况, 缴费单据,
单位缴费比例), :mod:`sbbatch.queries.cards` (社保卡). Each query takes a
:class:`sbbatch.Workspace` and returns a polars frame with English columns; pass
the result to :func:`sbbatch.display.zh` for Chinese headers.
"""
