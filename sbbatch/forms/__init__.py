"""Printed forms (PDF) and amounts in Chinese capitals (大写)."""

from __future__ import annotations

from sbbatch.forms.pdf import FormPDF

__all__ = ["FormPDF"]
