"""Solvers: compile (model → arrays), native hydraulic/thermal/coupling, pandapipes backend."""

from .compile import Compiled, compile_network
from .native import SolverOptions, State, solve_compiled, solve_native

__all__ = ["Compiled", "compile_network", "SolverOptions", "State", "solve_compiled",
           "solve_native", "solve"]

BACKENDS = ("native", "pandapipes")


def solve(network, backend: str = "native", warm=None, options=None, **kwargs):
    """Solve ``network`` with ``backend`` ('native' or 'pandapipes'); returns a ``Result``.

    The input network is never modified. ``warm`` is a previous ``Result`` (or its ``state``)
    of the same topology to start from (native backend).
    """
    from ..errors import BackendError

    if backend == "native":
        if kwargs:
            raise BackendError(f"unknown options for the native backend: {', '.join(kwargs)}")
        state = getattr(warm, "state", warm)
        return solve_native(network, warm=state, options=options)
    if backend == "pandapipes":
        from .pandapipes_backend import solve_pandapipes

        if warm is not None or options is not None:
            raise BackendError("the pandapipes backend takes neither 'warm' nor 'options' (they "
                               "belong to the native solver); pass pandapipes options as "
                               "keyword arguments")
        return solve_pandapipes(network, **kwargs)
    raise BackendError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
