"""A :class:`CheckReport` as SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

Regions are 1-based lines and columns counted in Unicode code points (``columnKind``); the end
column is exclusive. Fixes become SARIF ``fixes`` (a replacement of the region).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from analyzers import __version__
from analyzers.instructions.findings import CODES, CheckReport, Diagnostic, Range

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}


def _region(r: Range) -> dict[str, int]:
    """A SARIF region: the core range (1-based lines) with 1-based columns."""
    c = r.core()
    region = {"startLine": c.start.line, "startColumn": c.start.character + 1,
              "endLine": c.end.line, "endColumn": c.end.character + 1}
    if (region["endLine"], region["endColumn"]) < (region["startLine"], region["startColumn"]):
        region["endLine"], region["endColumn"] = region["startLine"], region["startColumn"]
    return region


def _location(d: Diagnostic) -> dict[str, Any]:
    return {"physicalLocation": {
        "artifactLocation": {"uri": quote(d.path), "uriBaseId": "%SRCROOT%"},
        "region": _region(d.range)}}


def _result(d: Diagnostic, rule_index: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": rule_index[d.code],
        "level": LEVELS[d.severity],
        "message": {"text": d.message},
        "locations": [_location(d)],
    }
    if d.fix is not None:
        rng = d.fix.range or d.range
        out["fixes"] = [{
            "description": {"text": d.fix.title or f"Replace with {d.fix.replacement}"},
            "artifactChanges": [{
                "artifactLocation": {"uri": quote(d.path), "uriBaseId": "%SRCROOT%"},
                "replacements": [{"deletedRegion": _region(rng),
                                  "insertedContent": {"text": d.fix.replacement}}],
            }],
        }]
    return out


def to_sarif(report: CheckReport, root: Path) -> dict[str, Any]:
    codes = sorted(CODES)
    rule_index = {c: i for i, c in enumerate(codes)}
    rules = [{
        "id": c,
        "name": CODES[c].name,
        "shortDescription": {"text": CODES[c].summary.split(";")[0].rstrip(".") + "."},
        "fullDescription": {"text": CODES[c].summary},
        "defaultConfiguration": {"level": LEVELS[CODES[c].severity]},
        "help": {"text": f"See docs/checks.md#{c.lower()}-{CODES[c].name} in the ctxsteward "
                         "documentation."},
    } for c in codes]
    root_uri = Path(root).resolve().as_uri().rstrip("/") + "/"
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "ctxsteward", "version": __version__,
                            "semanticVersion": __version__, "rules": rules}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(d, rule_index) for d in report.diagnostics],
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": [{"message": {"text": n}, "level": "note"}
                                           for n in report.notes],
        }],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
