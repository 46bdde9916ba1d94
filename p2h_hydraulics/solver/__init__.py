"""Solvers: compile (model → arrays), native hydraulic/thermal/coupling, pandapipes backend."""

from ..errors import BackendError
from .compile import Compiled, compile_network
from .native import SolverOptions, State, solve_compiled, solve_native
from .pandapipes_backend import solve_pandapipes

__all__ = ["Compiled", "compile_network", "SolverOptions", "State", "solve_compiled",
           "solve_native", "solve"]

BACKENDS = ("native", "pandapipes")


def solve(network, backend: str = "native", warm=None, options=None, **kwargs):
    """The steady thermo-hydraulic state of ``network``; the input is never modified.

    Parameters
    ----------
    network : Network
        The network (``load_network``).
    backend : str
        "native" (default) or "pandapipes".
    warm : Result or State, optional
        A solved state of the same topology to start from (native backend).
    options : SolverOptions, optional
        Tolerances, iteration limits and the hydraulic method of the native solver.
    **kwargs
        Options of the pandapipes backend.

    Returns
    -------
    Result
        Junction, pipe, consumer, plant and feed-in tables (SI columns plus bar/°C/kW),
        balances and convergence.

    Raises
    ------
    ConvergenceError
        When the solve does not converge (it carries the last state).

    Examples
    --------
    >>> import p2h_hydraulics as p2h
    >>> res = p2h.solve(p2h.load_network("networks/small_demo.json"))
    >>> res.converged, bool(res.balance["energy_rel"] < 1e-6)
    (True, True)
    >>> gga = p2h.solve(p2h.load_network("networks/small_demo.json"),
    ...                 options=p2h.SolverOptions(hydraulic_method="gga"))
    >>> bool(abs(gga.junctions["p_pa"] - res.junctions["p_pa"]).max() < 0.01)
    True
    """
    if backend == "native":
        if kwargs:
            raise BackendError(f"unknown options for the native backend: {', '.join(kwargs)}")
        state = getattr(warm, "state", warm)
        return solve_native(network, warm=state, options=options)
    if backend == "pandapipes":
        if warm is not None or options is not None:
            raise BackendError("the pandapipes backend takes neither 'warm' nor 'options' (they "
                               "belong to the native solver); pass pandapipes options as "
                               "keyword arguments")
        return solve_pandapipes(network, **kwargs)
    raise BackendError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
