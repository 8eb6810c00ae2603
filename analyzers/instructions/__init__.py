"""Checks for agent instruction files (CLAUDE.md, AGENTS.md, Cursor/Copilot rules ...).

Entry points for the CLI and the language server:

- :func:`check_file` (one file, possibly an unsaved buffer) and :func:`check_workspace`
  (every instruction file) return diagnostics with stable codes CS001-CS010
  (:data:`findings.CODES`), LSP-shaped ranges (0-based lines, see :mod:`.findings`) and optional
  quick fixes;
- :func:`document_links`, :func:`hover`, :func:`file_summary` (code lens and inlay hints) and
  :func:`loaded_for` (what each agent loads in a folder) feed the editor;
- columns are code points (``Range.core()`` gives the core's 1-based range; the language server
  converts to the editor's units in :mod:`server.lsp.positions`);
- :class:`CheckView` holds what a run learnt (files, parsed documents, git answers); keep one
  alive to make repeated calls cheap.

Module map: ``discover`` (which files), ``markdown`` (positions), ``references`` (paths,
symbols, commands), one module per check (``paths``, ``symbols``, ``commands``, ``drift``,
``size``, ``imports``, ``scoping``, ``loaded``, ``conflicts``), ``gitinfo`` (batched git),
``manifests`` (build files), ``findings`` (output), ``checkview`` (a run's view), ``sarif``
(SARIF 2.1.0).

The names below are imported at first use (PEP 562): a submodule such as ``discover`` comes
without the checks, whose import (markdown-it, the pydantic models) costs about 0.2 s, so the
language server answers a code file's first hover without it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analyzers.instructions.checks import check_file, check_workspace
    from analyzers.instructions.checkview import CheckView
    from analyzers.instructions.findings import CODES, CheckReport, Diagnostic
    from analyzers.instructions.links import document_links, file_summary, hover, loaded_markdown
    from analyzers.instructions.loaded import loaded_for

_HOME = {"check_file": "checks", "check_workspace": "checks", "CheckView": "checkview",
         "CODES": "findings", "CheckReport": "findings", "Diagnostic": "findings",
         "document_links": "links", "file_summary": "links", "hover": "links",
         "loaded_markdown": "links", "loaded_for": "loaded"}

__all__ = ["CODES", "CheckReport", "Diagnostic", "CheckView", "check_file", "check_workspace",
           "document_links", "file_summary", "hover", "loaded_for", "loaded_markdown"]


def __getattr__(name: str) -> Any:
    """A public name, imported from its submodule at first use."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
