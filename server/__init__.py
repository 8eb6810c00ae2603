"""Context Steward's edges: the CLI, the language server, the MCP server and the job scheduler.

Everything here translates between a protocol (argv, LSP, MCP) and the plain values of
``analyzers``; no analysis lives here.
"""
