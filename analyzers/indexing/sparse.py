"""A small compressed-sparse-row matrix on numpy, for the ranking graph.

scipy.sparse would do, but importing it costs more than a whole warm query; the ranking needs only
rows, matrix-vector products and a transpose.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


class Csr:
    __slots__ = ("shape", "indptr", "indices", "data", "_rows")

    def __init__(self, shape: tuple[int, int], indptr: np.ndarray, indices: np.ndarray,
                 data: np.ndarray) -> None:
        self.shape = shape
        self.indptr = indptr
        self.indices = indices
        self.data = data
        self._rows: np.ndarray | None = None

    @classmethod
    def from_coo(cls, rows: Sequence[int] | np.ndarray, cols: Sequence[int] | np.ndarray,
                 vals: Sequence[float] | np.ndarray | None,
                 shape: tuple[int, int], *, binary: bool = False) -> Csr:
        """Duplicates are summed (or collapsed to 1.0 when ``binary``)."""
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        v = np.ones(len(r), dtype=np.float64) if vals is None else np.asarray(vals, np.float64)
        if len(r):
            key = r * max(1, shape[1]) + c
            uniq, inverse = np.unique(key, return_inverse=True)
            summed = np.bincount(inverse, weights=v, minlength=len(uniq))
            r, c = uniq // max(1, shape[1]), uniq % max(1, shape[1])
            v = np.ones(len(uniq), dtype=np.float64) if binary else summed.astype(np.float64)
        counts = np.bincount(r, minlength=shape[0]) if len(r) else np.zeros(shape[0], np.int64)
        indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        return cls(shape, indptr, c.astype(np.int32), v.astype(np.float32))

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.indptr[i], self.indptr[i + 1]
        return self.indices[a:b], self.data[a:b]

    def row_set(self, i: int) -> set[int]:
        return set(self.row(i)[0].tolist())

    def has(self, i: int, j: int) -> bool:
        return bool(np.any(self.row(i)[0] == j))

    def _row_ids(self) -> np.ndarray:
        if self._rows is None:
            self._rows = np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))
        return self._rows

    def matvec(self, x: np.ndarray, transform: Callable[[np.ndarray], np.ndarray] | None = None
               ) -> np.ndarray:
        """``A @ x`` (with ``transform`` applied to the stored values first)."""
        data = self.data.astype(np.float64)
        if transform is not None:
            data = transform(data)
        return np.bincount(self._row_ids(), weights=data * x[self.indices],
                           minlength=self.shape[0])

    def transpose(self) -> Csr:
        return Csr.from_coo(self.indices, self._row_ids(), self.data,
                            (self.shape[1], self.shape[0]))

    def __getstate__(self) -> tuple[object, ...]:
        return (self.shape, self.indptr, self.indices, self.data)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        shape, indptr, indices, data = state
        self.shape = shape  # type: ignore[assignment]
        self.indptr = indptr  # type: ignore[assignment]
        self.indices = indices  # type: ignore[assignment]
        self.data = data  # type: ignore[assignment]
        self._rows = None
