"""``ctxsteward.showBudget`` and ``ctxsteward.showJobs``: structured results and text for people."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from analyzers.app.requests import BudgetRequest
from analyzers.printable import plural
from analyzers.results import BudgetNode, BudgetReport
from server.lsp.hover import _pct
from server.lsp.state import Buffer, ServerState
from server.scheduler import JobContext, JobsReport

JOBS_REQUEST = "ctxsteward/jobs"
SHOW_BUDGET = "ctxsteward.showBudget"
SHOW_JOBS = "ctxsteward.showJobs"
CHECK_INSTRUCTIONS = "ctxsteward.checkInstructions"


class DefinitionBudget(BaseModel):
    name: str
    kind: str
    line: int = Field(description="1-based start line")
    tokens: int
    share_of_file: float


class FileBudget(BaseModel):
    path: str
    tokens: int
    share: float = Field(description="tokens / context window")
    context_window: int
    source: str = Field(description="index, buffer (unsaved text) or disk")
    definitions: list[DefinitionBudget] = Field(description="Top-level definitions, largest first.")


class ShowBudgetResult(BaseModel):
    """``ctxsteward.showBudget``: a file's budget (with a ``uri``) or the workspace's."""

    text: str
    file: FileBudget | None = None
    workspace: BudgetReport | None = None
    problem: str | None = None


class ShowJobsResult(BaseModel):
    text: str
    report: JobsReport


def budget_args(args: tuple[Any, ...]) -> tuple[str | None, bool]:
    """(uri, show) from the command's arguments: ``{"uri", "show"}``, a bare URI, or nothing."""
    uri, show = None, False
    if args:
        first = args[0]
        if isinstance(first, str):
            uri = first
        elif isinstance(first, dict):
            u = first.get("uri")
            uri = u if isinstance(u, str) else None
            show = bool(first.get("show", False))
    return uri, show


def show_file_budget(state: ServerState, ctx: JobContext, buf: Buffer | None, uri: str
                     ) -> ShowBudgetResult:
    facts, problem = state.facts_for(buf, uri, ctx)
    if facts is None:
        return ShowBudgetResult(text=problem or f"no budget for {uri}", problem=problem)
    n = state.scaled(facts.tokens)
    defs = sorted((d for d in facts.definitions if d.parent is None), key=lambda d: -d.tokens)
    items = [DefinitionBudget(name=d.qualified, kind=d.kind, line=d.start_line,
                              tokens=state.scaled(d.tokens),
                              share_of_file=round(d.tokens / facts.tokens, 4) if facts.tokens
                              else 0.0) for d in defs]
    fb = FileBudget(path=facts.path, tokens=n, share=round(state.share(n), 6),
                    context_window=state.context_window, source=facts.source, definitions=items)
    lines = [f"{facts.path}: {n:,} tokens · {_pct(fb.share)} of {state.window_label()}"
             + (" (unsaved buffer)" if facts.source == "buffer" else "")]
    for it in items[:15]:
        lines.append(f"  {it.tokens:>8,}  {it.share_of_file:5.0%}  {it.name} ({it.kind}, "
                     f"line {it.line})")
    if len(items) > 15:
        lines.append(f"  …and {plural(len(items) - 15, 'more definition')}")
    return ShowBudgetResult(text="\n".join(lines), file=fb)


def show_workspace_budget(state: ServerState, ctx: JobContext, top: int = 15) -> ShowBudgetResult:
    snapshot = state.snapshot()
    if snapshot is None:
        return ShowBudgetResult(text="no workspace folder is open", problem="no workspace")
    ctx.check()
    report = snapshot.budget(BudgetRequest())
    n_files = sum(node.files for node in report.tree)
    lines = [f"{report.total_tokens:,} tokens · {_pct(report.total_tokens / report.context_window)}"
             f" of {report.context_window:,} ({report.encoding}) · {n_files:,} "
             f"file{'' if n_files == 1 else 's'}"]

    def show(nodes: list[BudgetNode], depth: int) -> None:
        for node in nodes[:top]:
            lines.append(f"  {node.tokens:>10,}  {_pct(node.share):>6}  {'  ' * depth}{node.path}")
            if node.kind == "dir" and depth == 0:
                show(node.children[:5], depth + 1)

    show(report.tree, 0)
    if len(report.tree) > top:
        lines.append(f"  …and {len(report.tree) - top} more")
    return ShowBudgetResult(text="\n".join(lines), workspace=report)


def _ms(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.0f} ms" if v < 1000 else f"{v / 1000:.1f} s"


def format_jobs(report: JobsReport) -> str:
    lines = [f"{'ID':>5}  {'STATE':<9}  {'PRIORITY':<11}  {'KIND':<15}  {'QUEUED':>8}  "
             f"{'RUN':>8}  {'DONE':>5}  NOTE"]
    for j in report.jobs:
        pct = f"{j.progress:.0f}%" if j.progress is not None else "-"
        note = j.error if j.error else j.message
        if j.attempts > 1:
            note = f"attempt {j.attempts}; {note}"
        lines.append(f"{j.id:>5}  {j.state.value:<9}  {j.priority:<11}  {j.kind[:15]:<15}  "
                     f"{_ms(j.queued_ms):>8}  {_ms(j.run_ms):>8}  {pct:>5}  {note[:80]}")
    lanes = ", ".join(f"{ln.lane} {ln.busy}/{ln.workers} busy" for ln in report.lanes)
    counts = ", ".join(f"{v} {k}" for k, v in sorted(report.counts.items()))
    lines.append(f"workers: {lanes} · jobs listed: {counts or 'none'}")
    return "\n".join(lines)
