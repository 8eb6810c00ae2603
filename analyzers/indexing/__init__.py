"""Indexing: walking the workspace, reading files, git history, the SQLite store and the
ranking graph."""
