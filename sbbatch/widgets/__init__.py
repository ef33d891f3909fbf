"""Widget forms (ipywidgets) for single cases, generated from the businesses' columns.

``DeclarationForm(ws, kind, unit_id)`` is the one form class: 增员申报
(``"enrolment"``), 减员申报 (``"departure"``), 工资申报 for one person
(``"wage_base"``), 社会保险费补缴申报 (``"backpay"``), 社保卡申领
(``"card_application"``, with the photo upload), 申领信息维护
(``"card_issuing_info"``, a bank row and up to two collectors) and every other
business of :func:`sbbatch.declarations.registry`. What a business needs beyond its
columns is a small hook (:class:`FormHooks`).

>>> from sbbatch.widgets import ACTIONS
>>> list(ACTIONS.values())[:6]
['下一步', '提交', '修改', '作废', '设为已读', '打印']
"""

from __future__ import annotations

from sbbatch.widgets.form import ACTIONS, DeclarationForm
from sbbatch.widgets.hooks import (
    FormHooks,
    Section,
    Slot,
    printer_for,
    register_hooks,
    register_printer,
)

__all__ = [
    "ACTIONS",
    "DeclarationForm",
    "FormHooks",
    "Section",
    "Slot",
    "printer_for",
    "register_hooks",
    "register_printer",
]
