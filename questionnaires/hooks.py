"""Hooks through which apps above questionnaires extend them, so questionnaires import none of them.

``connectors`` registers the check ids its back-ends provide (old ids included, which still resolve) in
``ConnectorsConfig.ready()``; the validator then refuses an evidence binding that names no known check. Without a
registered hook (questionnaires on their own) bindings are not checked against a catalogue.
"""

from __future__ import annotations

from collections.abc import Callable

_known_checks: Callable[[], set[str]] | None = None


def register_known_checks(source: Callable[[], set[str]]) -> None:
    global _known_checks
    _known_checks = source


def known_checks() -> set[str] | None:
    """Every check id an evidence binding may name, or None when no catalogue is registered."""
    return _known_checks() if _known_checks is not None else None
