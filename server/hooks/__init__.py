"""The agent-hooks edge: ``ctxsteward hook EVENT --agent AGENT`` inside an agent's lifecycle.

An agent (Claude Code, Cursor, GitHub Copilot, Codex) runs the hook with its JSON on stdin; the
hook answers in the shape that agent documents (``events.py``), through the application layer
like every edge: a context map on a prompt, the handoff note on session start, the note's generated
blocks refreshed before compaction and at session end. Entry: :func:`server.hooks.run.main`.
It never blocks a prompt on an error: it exits 0, prints nothing the agent would show, and logs
under ``.ctxsteward/hooks/``.
"""
