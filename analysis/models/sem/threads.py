"""One BLAS thread for the engine's batched kernels.

The engine's matrix products are small (a few hundred rows at most).  OpenBLAS
splits them over every core anyway, and on a busy machine its threads then wait
for each other: on the project's 2-core machine under load a 1144 x 406 product
took 80-100 ms with 2 threads and 13 ms with one, and a 3-group fit spent 1.5 of
its 3.6 CPU-seconds in 12 Fisher-scoring solves of a 120 x 120 system.  A fit
(``SEM.fit``) and the kernels that do the larger products (information matrices,
case-wise scores, the saturated model) run with one BLAS thread; the limit is
lifted when they return.  Without threadpoolctl (a dependency of scikit-learn)
this does nothing.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import TypeVar

try:
    from threadpoolctl import ThreadpoolController
except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
    ThreadpoolController = None

F = TypeVar("F", bound=Callable)
_controller = None


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit BLAS to one thread inside the block (about 0.1 ms to set and restore)."""
    global _controller
    if ThreadpoolController is None:
        yield
        return
    if _controller is None:
        _controller = ThreadpoolController()
    with _controller.limit(limits=1, user_api="blas"):
        yield


def single_blas_thread(fn: F) -> F:
    """Run ``fn`` with BLAS limited to one thread."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with one_blas_thread():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
