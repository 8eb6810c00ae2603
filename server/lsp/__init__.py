"""The language-server edge (pygls)."""
