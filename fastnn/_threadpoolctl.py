"""fastnn's thread pool as a library threadpoolctl knows.

threadpoolctl finds thread pools among the shared libraries loaded in the
process; registered here, it lists fastnn's extension as
``{"user_api": "fastnn", "internal_api": "fastnn"}`` and limits it as it
limits BLAS and OpenMP: ``threadpool_limits(1)`` (or
``threadpool_limits(1, user_api="fastnn")``) sets fastnn's thread count for
the block and puts the previous one back after it. Limits on OpenMP alone
(``user_api="openmp"``) cap fastnn too: the pool follows the calling thread's
OpenMP setting where that was lowered.
"""
from __future__ import annotations

from typing import Any, Optional


def register() -> bool:
    """Register fastnn's controller with threadpoolctl when it is installed
    (once); True when it is registered."""
    try:
        import threadpoolctl
    except ImportError:
        return False
    if getattr(threadpoolctl, "_fastnn_controller", None) is not None:
        return True

    class FastnnController(threadpoolctl.LibController):  # type: ignore[misc]
        user_api = "fastnn"
        internal_api = "fastnn"
        # the extension is fastnn/_C.<abi>.so; threadpoolctl matches the
        # lower-cased file name, then keeps only libraries with these symbols
        filename_prefixes = ("_c.",)
        check_symbols = ("fnn_get_num_threads", "fnn_set_num_threads")

        def get_num_threads(self) -> Optional[int]:
            get = getattr(self.dynlib, "fnn_get_num_threads", None)
            return None if get is None else int(get())

        def set_num_threads(self, num_threads: int) -> Any:
            put = getattr(self.dynlib, "fnn_set_num_threads", None)
            return None if put is None else put(int(num_threads))

        def get_version(self) -> Optional[str]:
            if getattr(self.dynlib, "fnn_get_num_threads", None) is None:
                return None
            from ._dist import this
            return this().version

    threadpoolctl.register(FastnnController)
    threadpoolctl._fastnn_controller = FastnnController
    return True
