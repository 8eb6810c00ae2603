"""The language server's handlers: one module per family of requests, each handler a top-level
function ``handler(ls, params, call)`` registered by :data:`server.lsp.dispatch.ROUTES`.

A handler runs on the message loop: it captures what the request needs (the document's text and
version, the position) and hands the work to the scheduler with ``call.run``; the route says on
which lane, at which priority and with which deadline. Failures are not caught here: the dispatch
wrapper converts them, once for every handler.
"""
