"""The mark beside the field being typed in, so focus is never shown by colour alone.

A module of its own so that the start form, the first frame, can use it without importing
the entry forms' widgets (widgets/fields_base.py)."""

from __future__ import annotations

FOCUS_MARK = "▶ "
