"""The language server's features, one module each; :mod:`server.lsp` wires them to pygls."""
