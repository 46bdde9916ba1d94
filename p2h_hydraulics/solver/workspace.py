"""Working storage of one network topology, shared by the copies of its compiled arrays.

A ``Workspace`` belongs to one compiled network (``Compiled.workspace``). The copies a sweep
makes of it with ``dataclasses.replace`` — other loads, feed-ins, supply setpoints, soil
temperatures; same junctions and branches — share it, so every solve of the sweep reuses what
depends on the topology alone: the hydraulic system of each set of held junctions (the Schur
pattern, the Cholesky analysis, the spanning forest; ``hydraulic.HydraulicSystem``), one per
thread because their factors are working storage. A workspace pickles empty: a compiled
network sent to a worker process builds its own there.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

__all__ = ["Workspace"]


class Workspace:
    """Per-topology working storage (see the module docstring)."""

    def __init__(self) -> None:
        self._systems: dict = {}
        self._derived: dict = {}

    def hydraulic_system(self, key: Hashable, build: Callable):
        """The hydraulic system stored under ``key``, made by ``build()`` on first use.

        Parameters
        ----------
        key : hashable
            What the system depends on besides the topology (thread, held junctions).
        build : callable
            Makes the system when none is stored yet.

        Returns
        -------
        HydraulicSystem
            The stored (or new) system.
        """
        system = self._systems.get(key)
        if system is None:
            system = self._systems[key] = build()
        return system

    def derived(self, key: Hashable, build: Callable):
        """Anything else that depends on the topology alone (e.g. which branches lie on a
        loop), stored under ``key`` and made by ``build()`` on first use.

        Parameters
        ----------
        key : hashable
            Name of the quantity.
        build : callable
            Makes it when none is stored yet.

        Returns
        -------
        object
            The stored (or new) value.
        """
        value = self._derived.get(key)
        if value is None:
            value = self._derived[key] = build()
        return value

    def __len__(self) -> int:
        """Number of hydraulic systems stored."""
        return len(self._systems)

    def __reduce__(self):
        return (Workspace, ())
