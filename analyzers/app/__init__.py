"""The application layer between the analysis core and its edges (CLI, LSP, MCP, agent hooks).

Start here: :class:`~analyzers.app.workspace.Workspace` (root, settings, index freshness) and its
:class:`~analyzers.app.workspace.Snapshot` (the queries); typed requests with one validity check
(:mod:`analyzers.app.requests`); the one seed grammar and resolver (:mod:`analyzers.app.seeds`);
the one path-safety rule (:mod:`analyzers.app.paths`); one error type whose messages name fields,
which each edge words its own way (:mod:`analyzers.app.errors`).

Submodules are imported where used: a warm CLI query loads only what it needs.
"""
