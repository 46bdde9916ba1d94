"""Anderson acceleration of a fixed-point iteration x = G(x) (Walker & Ni 2011, "type II").

The native solver's outer loop maps node temperatures to new node temperatures through the
hydraulics (consumer flows, ρ, μ) and the thermal solve. Plain (Picard) iteration converges
slowly — or oscillates — where a consumer sits on a near-stagnant stretch of a loop: its flow
depends on the arriving temperature and that temperature on the flow. Anderson acceleration
mixes the last ``depth`` iterates so that the weighted residual of their combination is
least-squares minimal; on a linear map it is equivalent to GMRES, so growing or oscillating
modes are removed instead of amplified. A restart (history cleared, damped step) is taken
when the residual grows markedly, which keeps discontinuities (flow reversals, clamps) from
poisoning the history.

The residual norm is formed with ``np.einsum`` (no BLAS). The small least-squares fit and the
mixing are BLAS calls on a tall matrix, which cost milliseconds of thread start-up on a busy
machine when BLAS runs threaded (1.4 ms against 0.09 ms for the fit on 2,000 nodes), more
than the rest of the step: callers run the iteration inside ``one_blas_thread`` (the native
solver holds it for a whole solve; entering it costs ≈ 70 µs, too much for every step).
"""

from __future__ import annotations

from functools import cache

import numpy as np


@cache
def _blas():
    """threadpoolctl's controller of the loaded BLAS libraries (made once)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread():
    """Context manager holding BLAS to one thread (threadpoolctl) while it is entered."""
    return _blas().limit(limits=1, user_api="blas")


class Anderson:
    """Stateful accelerator: call ``step(x, gx)`` with an iterate and its image G(x)."""

    def __init__(self, depth: int = 6, growth_restart: float = 4.0, damping: float = 1.0):
        self.depth = depth
        self.growth_restart = growth_restart
        self.damping = damping
        self._dx: list[np.ndarray] = []
        self._df: list[np.ndarray] = []
        self._x_prev: np.ndarray | None = None
        self._f_prev: np.ndarray | None = None
        self._best = np.inf
        self.restarts = 0

    def reset(self) -> None:
        """Forget the history (the next step is a plain, damped one)."""
        self._dx.clear()
        self._df.clear()
        self._x_prev = self._f_prev = None

    def step(self, x: np.ndarray, gx: np.ndarray, weights: np.ndarray | None = None
             ) -> np.ndarray:
        """Next iterate from x_k and G(x_k); ``weights`` scale the residual's components in
        the least-squares fit (e.g. by how much heat a node carries)."""
        w = weights
        f = gx - x
        fw = f * w if w is not None else f
        norm = float(np.sqrt(np.einsum("i,i->", fw, fw)))
        if self._dx and norm > self.growth_restart * self._best:
            self.restarts += 1
            self.reset()
            self._best = norm
            return x + 0.5 * f
        self._best = min(self._best, norm)
        if self._x_prev is not None:
            self._dx.append(x - self._x_prev)
            self._df.append(f - self._f_prev)
            if len(self._dx) > self.depth:
                self._dx.pop(0)
                self._df.pop(0)
        self._x_prev, self._f_prev = x.copy(), f.copy()
        if not self._dx:
            return x + self.damping * f
        df = np.column_stack(self._df)
        dx = np.column_stack(self._dx)
        if w is not None:
            gamma, *_ = np.linalg.lstsq(df * w[:, None], fw, rcond=1e-10)
        else:
            gamma, *_ = np.linalg.lstsq(df, f, rcond=1e-10)
        return x + self.damping * f - (dx + self.damping * df) @ gamma
