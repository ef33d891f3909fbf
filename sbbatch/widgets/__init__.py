"""Widget forms (ipywidgets) for single cases, generated from the businesses' columns.

``DeclarationForm(ws, kind, unit_id)`` is the one form class, for every business of
:func:`sbbatch.declarations.registry`: 增员申报, 减员申报, 工资申报 for one person,
社会保险费补缴申报, 社保卡申领 (with the photo upload), 申领信息维护 (a bank row and
up to two collectors) … What a business needs beyond its columns — sections, the
print button's label, several rows, special parts such as the photo — is its
``Declaration.widget`` (:class:`~sbbatch.spec.WidgetLayout`), and the print button
prints its ``Declaration.form``.

>>> from sbbatch.widgets import ACTIONS
>>> list(ACTIONS.values())[:6]
['下一步', '提交', '修改', '作废', '设为已读', '打印']
"""

from __future__ import annotations

from sbbatch.spec import Section, Slot, WidgetLayout
from sbbatch.widgets.form import ACTIONS, EXTRAS, DeclarationForm, FormExtra

__all__ = [
    "ACTIONS",
    "EXTRAS",
    "DeclarationForm",
    "FormExtra",
    "Section",
    "Slot",
    "WidgetLayout",
]
