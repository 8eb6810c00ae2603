"""Exact token counts from a forked child that loads the tokenizer while the command works.

Loading an encoding (reading its parsed ranks and building tiktoken's BPE core) is the largest
single step of a warm ``ctxsteward bundle`` call, and it depends on nothing else. So the command
forks a child to load it first thing, and :class:`analyzers.tokens.Counter` sends the texts it
counts there through a pipe: the answer is the same tiktoken encoding's count, a few tenths of a
millisecond later, and the encoding never loads in the command's own process.

Whenever the child cannot answer (it could not load the encoding, died, or failed on one text),
that count, and every later one after a broken pipe, is made here instead, exactly as without the
service: an unknown encoding raises EncodingUnavailable here, an error on a text is raised here.
Only on Linux, with at least two CPUs to run on, and while no other thread runs.
"""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from analyzers import tokens
from analyzers.procs import end_with_parent
from server.cli.background import can_fork

_LENGTH = struct.Struct("<Q")
_COUNT = struct.Struct("<q")


def worth_it() -> bool:
    """Whether a child can load the encoding in parallel with this process."""
    if not can_fork():
        return False
    try:
        return len(os.sched_getaffinity(0)) >= 2
    except (AttributeError, OSError):
        return (os.cpu_count() or 1) >= 2


class Service:
    """A forked child serving raw token counts in one encoding (see the module's notes)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.owner = os.getpid()  # a process forked from this one must not use the pipes
        requests_r, requests_w = os.pipe()
        replies_r, replies_w = os.pipe()
        for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
            stream.flush()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            end_with_parent(parent)  # killed with the command, even by SIGKILL
            os.close(requests_w)
            os.close(replies_r)
            _serve(name, requests_r, replies_w)  # never returns
        os.close(requests_r)
        os.close(replies_w)
        self.pid: int | None = pid
        self.requests: BinaryIO | None = os.fdopen(requests_w, "wb")
        self.replies: BinaryIO | None = os.fdopen(replies_r, "rb")
        self.ready: bool | None = None  # unknown until the child says whether it loaded

    def count(self, text: str) -> int | None:
        """``text``'s raw token count, or None when it must be counted here."""
        if self.ready is False or self.requests is None or self.replies is None \
                or os.getpid() != self.owner:
            return None
        try:
            if self.ready is None:
                self.ready = self.replies.read(1) == b"1"
                if not self.ready:
                    self.close()
                    return None
            data = text.encode("utf-8", "surrogatepass")  # the child gets this very string
            self.requests.write(_LENGTH.pack(len(data)))
            self.requests.write(data)
            self.requests.flush()
            reply = self.replies.read(_COUNT.size)
            if len(reply) != _COUNT.size:
                raise EOFError("the token counting process went away")
        except (OSError, EOFError, ValueError):
            self.ready = False
            self.close()
            return None
        counted = _COUNT.unpack(reply)[0]
        return counted if counted >= 0 else None

    def close(self) -> None:
        """End the child (it sees the pipe close) and reap it."""
        if os.getpid() != self.owner:
            return
        for stream in (self.requests, self.replies):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        self.requests = self.replies = None
        if self.pid is not None:
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = None


def _serve(name: str, requests_fd: int, replies_fd: int) -> None:
    """The child: load the encoding, say whether it did, then answer counts until EOF."""
    status = 0
    try:
        with os.fdopen(requests_fd, "rb") as requests, os.fdopen(replies_fd, "wb") as replies:
            try:
                tokens.encoding(name)
            except Exception:  # noqa: BLE001 - the parent loads it itself, and reports the error
                replies.write(b"0")
                replies.flush()
                return
            replies.write(b"1")
            replies.flush()
            while True:
                head = requests.read(_LENGTH.size)
                if len(head) != _LENGTH.size:
                    return
                data = requests.read(_LENGTH.unpack(head)[0])
                try:
                    counted = tokens.raw_count(name, data.decode("utf-8", "surrogatepass"))
                except Exception:  # noqa: BLE001 - the parent counts this one itself
                    counted = -1
                replies.write(_COUNT.pack(counted))
                replies.flush()
    except BaseException:  # noqa: BLE001 - e.g. interrupted: the parent counts by itself
        status = 1
    finally:
        os._exit(status)


@contextmanager
def counting_elsewhere(name: str) -> Iterator[Service | None]:
    """While inside, counts in encoding ``name`` go to a child loading it from now on (when
    :func:`worth_it`); leaving ends the child."""
    if not worth_it() or name in tokens.EXTERNAL:
        yield None
        return
    service = Service(name)
    tokens.EXTERNAL[name] = service.count
    try:
        yield service
    finally:
        if tokens.EXTERNAL.get(name) == service.count:
            del tokens.EXTERNAL[name]
        service.close()
