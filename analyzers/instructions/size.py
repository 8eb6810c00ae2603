"""CS005: an instruction file that, with its ``@imports`` expanded, exceeds the token budget; and
the per-section counts behind the editor's code lens and inlay hints."""

from __future__ import annotations

from analyzers.instructions.checkview import CheckView
from analyzers.instructions.context import FileContext, to_range
from analyzers.instructions.findings import FileSummary, SectionTokens
from analyzers.instructions.imports import expansion
from analyzers.instructions.markdown import Document, Loc
from analyzers.printable import plural


def section_tokens(ws: CheckView, doc: Document) -> list[SectionTokens]:
    out = []
    n = len(doc.lines)
    for s in doc.sections():
        end_line = max(s.start, s.end - 1)
        end_col = len(doc.lines[end_line]) if end_line < n else 0
        out.append(SectionTokens(
            title=s.heading.text if s.heading else "", level=s.heading.level if s.heading else 0,
            range=to_range(Loc(s.start, 0, end_line, end_col)),
            tokens=ws.tokens(doc.section_text(s))))
    return out


def summary(ctx: FileContext) -> FileSummary:
    exp = expansion(ctx)
    own = exp.tokens.get(ctx.path, 0)
    return FileSummary(path=ctx.path, tokens=own, tokens_with_imports=sum(exp.tokens.values()),
                       budget=ctx.ws.settings.instruction_budget, imports=exp.files[1:],
                       sections=section_tokens(ctx.ws, ctx.doc))


def check(ctx: FileContext) -> None:
    exp = expansion(ctx)
    budget = ctx.ws.settings.instruction_budget
    total = sum(exp.tokens.values())
    if total <= budget:
        return
    parts: list[tuple[int, str]] = [
        (s.tokens, f"\"{s.title}\"" if s.title else "the text before the first heading")
        for s in section_tokens(ctx.ws, ctx.doc)]
    parts.extend((exp.tokens[f], f"@{f}") for f in exp.files[1:])
    parts.sort(key=lambda x: -x[0])
    largest = ", ".join(f"{label} {n:,}" for n, label in parts[:3])
    with_imports = (f" with {plural(len(exp.files) - 1, 'import')}" if len(exp.files) > 1
                    else "")
    # Named to ``check`` though no agent loads it by itself (a README): no "every session".
    loaded = "loaded into every session" if ctx.ws.is_instruction_file(ctx.path) else \
        ("of an instruction file (this is none: agents read it on demand, unless a file "
         "they load @imports it)")
    ctx.report(ctx.first_line(), "CS005",
               f"{ctx.path}{with_imports} is {total:,} tokens, over the budget of {budget:,} "
               f"{loaded}. Largest: {largest}. Move detail into files the agent "
               "reads on demand (linked, not @imported), or cut it.")
