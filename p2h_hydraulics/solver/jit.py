"""numba for the solver's compiled passes, imported on first use (``flow_order``, ``tree``,
``kernels``).

``compiled(*fns)``: the functions compiled (nopython, no GIL, cached on disk), or None without
numba — the callers then take their uncompiled route (sparse LU, Newton, NumPy).
``error_model="numpy"`` makes a division by zero give inf/NaN as NumPy does instead of raising.
"""

from __future__ import annotations

from functools import cache


@cache
def compiled(*fns, error_model: str = "python"):
    """``fns`` compiled by numba as a tuple, or None when numba is not installed."""
    try:
        from numba import njit  # optional and heavy: imported on first use
    except ImportError:
        return None
    jit = njit(cache=True, nogil=True, error_model=error_model)
    return tuple(jit(f) for f in fns)
