"""Context Steward's analysis core: pure Python, no protocol types, usable without an editor.

Data flows one way: files (``walk``) -> per-file facts (``syntax``, ``tokens``) and history
(``history``) -> the persisted ``index`` -> queries (``budget``, bundles, checks) -> the servers.
"""

__version__ = "0.1.0"
