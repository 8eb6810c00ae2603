"""Which hook events each agent has, what role each plays here, and the output it documents.

Sources (read 2026-12):
* Claude Code: https://code.claude.com/docs/en/hooks (``UserPromptSubmit`` and ``SessionStart``
  add ``hookSpecificOutput.additionalContext`` to the model's context; about 10,000 characters
  are shown whole, more is cut to a preview);
* Cursor: https://cursor.com/docs/agent/hooks (``sessionStart`` may return
  ``additional_context``; ``beforeSubmitPrompt`` may only return ``continue`` and
  ``user_message``, so it cannot add context; ``preCompact`` and ``sessionEnd`` are observed);
* GitHub Copilot CLI and cloud agent:
  https://docs.github.com/en/copilot/reference/copilot-cli-reference/cli-hooks-reference
  (``.github/hooks/*.json``; the reference says the output of ``sessionStart``,
  ``userPromptSubmitted``, ``preCompact`` and ``sessionEnd`` is not processed). In practice the
  CLI reads ``{"additionalContext": ...}`` printed by ``sessionStart`` since 1.0.11
  (github/copilot-cli#2142 reports it ignored in 1.0.8; obra/superpowers#910 relies on it from
  1.0.11; github/copilot-cli#3589 shows it injected in 1.0.56, only the last hook's when several
  print one): we print it there, harmless where it is ignored.
* Codex (OpenAI's Codex CLI): https://developers.openai.com/codex/hooks (its ``.md`` version;
  the page now lives at https://learn.chatgpt.com/docs/hooks; read 2026-12 from stored copies of
  the page). ``SessionStart`` (``source``: startup, resume, clear, compact) and
  ``UserPromptSubmit`` add ``hookSpecificOutput.additionalContext`` ("added as extra developer
  context"; plain text on stdout is too, JSON is what we print); ``PreCompact``'s plain text is
  ignored and its JSON only stops or continues the compaction; ``SessionEnd`` (the main thread
  ends: archived, closed, idle 30 minutes) is advisory: its output steers nothing. "Exit 0 with no
  output is treated as success", so nothing is printed when there is nothing to add. Each
  model-visible hook output is limited to "roughly 2,500 tokens" (more is saved to a file and the
  model gets a head-and-tail preview). The page does not say how tokens are counted; Codex's
  source counts four bytes a token (``approx_token_count``, codex-rs/utils/string), about 10,000
  bytes: we stay under 9,000 UTF-8 bytes (:data:`MAX_BYTES`; a first answer over it is made
  again with fewer characters). ``SessionEnd`` hooks get 1 second by
  default and "support up to 3 seconds", whatever the settings say (:data:`TIME_LIMITS`).
  Codex has no documented cap on ``SessionStart``/``UserPromptSubmit``/``PreCompact``
  (600 s by default).
"""

from __future__ import annotations

PROMPT, SESSION_START, PRE_COMPACT, SESSION_END = "prompt", "session-start", "pre-compact", \
    "session-end"

# agent -> {event as the agent spells it -> role}
EVENTS: dict[str, dict[str, str]] = {
    "claude-code": {"UserPromptSubmit": PROMPT, "SessionStart": SESSION_START,
                    "PreCompact": PRE_COMPACT, "SessionEnd": SESSION_END},
    "cursor": {"beforeSubmitPrompt": PROMPT, "sessionStart": SESSION_START,
               "preCompact": PRE_COMPACT, "sessionEnd": SESSION_END},
    "copilot": {"userPromptSubmitted": PROMPT, "sessionStart": SESSION_START,
                "preCompact": PRE_COMPACT, "sessionEnd": SESSION_END},
    "codex": {"UserPromptSubmit": PROMPT, "SessionStart": SESSION_START,
              "PreCompact": PRE_COMPACT, "SessionEnd": SESSION_END},
}
AGENTS = tuple(EVENTS)
DEFAULT_AGENT = "claude-code"
# Other names people give the agents (compared without case; ``_`` and spaces read as ``-``).
AGENT_ALIASES: dict[str, str] = {
    "claude": "claude-code", "claudecode": "claude-code", "claude-cli": "claude-code",
    "cursor-agent": "cursor", "cursor-cli": "cursor",
    "copilot-cli": "copilot", "github-copilot": "copilot", "gh-copilot": "copilot",
    "codex-cli": "codex", "openai-codex": "codex"}


def agent_named(name: str) -> str | None:
    """The agent ``name`` means (its own name or a common short name, :data:`AGENT_ALIASES`),
    None for none of ours."""
    key = "-".join(name.strip().lower().replace("_", "-").split())
    return key if key in EVENTS else AGENT_ALIASES.get(key)


def agents_help() -> str:
    """The agents, each with its short names, in words: ``claude-code (or claude, ...)``."""
    return ", ".join(a + (f" (or {', '.join(short)})" if short else "")
                     for a in AGENTS
                     for short in ([k for k, v in AGENT_ALIASES.items() if v == a][:2],))

# (agent, role) pairs whose output reaches the model.
INJECTS: frozenset[tuple[str, str]] = frozenset({
    ("claude-code", PROMPT), ("claude-code", SESSION_START), ("cursor", SESSION_START),
    ("copilot", SESSION_START), ("codex", PROMPT), ("codex", SESSION_START)})

# The characters an agent shows whole; what we inject stays under it.
MAX_CHARS: dict[str, int] = {"claude-code": 9_500, "cursor": 9_500, "copilot": 9_500,
                             "codex": 9_000}
# The UTF-8 bytes an agent shows whole, where it counts bytes: Codex counts a token as four
# bytes and shows about 2,500 whole (10,000 bytes); text outside ASCII takes 2-4 bytes a
# character, so a character cap alone lets it through cut to a preview.
MAX_BYTES: dict[str, int] = {"codex": 9_000}

# (agent, event) -> the seconds the agent lets that hook run at most, whatever its settings say:
# work with a deadline of its own (the note's refresh) stops in time to answer.
TIME_LIMITS: dict[tuple[str, str], float] = {("codex", "SessionEnd"): 3.0}


def output(agent: str, event: str, context: str) -> str:
    """What the hook prints for ``event`` of ``agent`` with ``context`` to add (empty: none).
    Cursor reads a JSON answer on every event (``beforeSubmitPrompt`` must allow the prompt);
    Claude Code, Codex and Copilot need nothing printed when there is nothing to add (Claude
    Code and Codex read ``hookSpecificOutput.additionalContext``); Copilot's ``sessionStart``
    gets ``{"additionalContext": ...}`` (see the module doc)."""
    import json

    role = EVENTS.get(agent, {}).get(event)
    if role is None:
        return ""
    if agent in ("claude-code", "codex"):
        if not context or (agent, role) not in INJECTS:
            return ""
        return json.dumps({"hookSpecificOutput": {"hookEventName": event,
                                                  "additionalContext": context}})
    if agent == "cursor":
        if role == PROMPT:
            return json.dumps({"continue": True})
        if role == SESSION_START and context:
            return json.dumps({"additional_context": context})
        return "{}"
    if agent == "copilot" and role == SESSION_START and context:
        return json.dumps({"additionalContext": context})
    return ""
