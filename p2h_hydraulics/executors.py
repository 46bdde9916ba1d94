"""Executors for sweeps (site comparison, annual analysis): any ``concurrent.futures.Executor``.

Sweeps split their work into chunks and hand each chunk to an executor; every chunk function is
a plain module-level function whose arguments pickle (a scenario path or a picklable scenario,
a list of node ids, …), so the same code runs

* ``"serial"``: in the calling thread (``SerialExecutor``; debugging, tests, tiny jobs),
* ``"thread"``: a ``ThreadPoolExecutor`` (numpy/scipy release the GIL only partly),
* ``"process"``: a local ``ProcessPoolExecutor`` — the default, one worker per core, each
  with single-threaded BLAS (``threadpoolctl``): the solver's dense kernels are small, and
  two workers whose BLAS thread pools spin on the same two cores took 1.4× longer,
* ``"dask"``: a Dask ``distributed`` cluster — ``scheduler="tcp://host:8786"`` connects to a
  running scheduler, ``scheduler=None`` starts a ``LocalCluster``. Dask is an optional extra
  (``pip install 'p2h_hydraulics[dist]'``), imported only here and only when asked for.

Process-pool workers end when the process that made the pool dies, even by ``kill -9``
(``exit_with_parent``: ``PR_SET_PDEATHSIG`` on Linux, a parent watchdog thread on POSIX).

``make_executor`` returns an executor that owns what it started (pool, Dask client and local
cluster) and releases it on ``shutdown()`` / leaving its ``with`` block. ``executor_scope``
accepts either a kind or a ready executor (which it leaves open, since the caller owns it).
``run_chunks`` submits the chunks, reports progress as they finish and returns the results in
chunk order, so the outcome never depends on the executor or on the finishing order.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import (
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    as_completed,
)

from .errors import BackendError, P2HError

__all__ = ["KINDS", "SerialExecutor", "DaskExecutor", "make_executor", "executor_scope",
           "default_workers", "chunked", "run_chunks", "executor_kind", "single_threaded_blas",
           "exit_with_parent"]

KINDS = ("process", "thread", "serial", "dask")


def default_workers() -> int:
    """Cores this process may use (CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def single_threaded_blas() -> None:
    """Limit the BLAS/OpenMP thread pools of this process to one thread for its lifetime
    (process-pool worker initializer; one worker per core is the parallelism)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


_PR_SET_PDEATHSIG = 1
WATCHDOG_PERIOD_S = 0.5


def exit_with_parent(parent_pid: int, parent_main_thread: int | None = None) -> None:
    """Make this (worker) process end when ``parent_pid`` — the process that made the pool —
    dies, even by ``kill -9`` (which leaves the pool no chance to stop its workers).

    On Linux, in a worker forked by the parent's main thread, the kernel sends SIGKILL on the
    death of the parent (``prctl(PR_SET_PDEATHSIG)``; the kernel ties it to the forking
    *thread*, so it is not used for workers forked by another thread, which may end before the
    pool does). Everywhere on POSIX a daemon thread checks every ``WATCHDOG_PERIOD_S`` seconds
    whether the process has been handed to another parent, and exits then.

    Parameters
    ----------
    parent_pid : int
        The pid of the process that owns the pool.
    parent_main_thread : int, optional
        ``threading.main_thread().ident`` of that process.
    """
    if os.name != "posix":
        return
    forked_by_main = (parent_main_thread is not None and os.getppid() == parent_pid
                      and threading.get_ident() == parent_main_thread)
    if sys.platform.startswith("linux") and forked_by_main:
        import ctypes
        import ctypes.util
        import signal

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    ppid = os.getppid()
    if ppid != parent_pid and not _alive(parent_pid):  # died before the prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(WATCHDOG_PERIOD_S)
            if os.getppid() != ppid or not _alive(parent_pid):
                os._exit(1)

    threading.Thread(target=watch, name="p2h-parent-watchdog", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _worker_init(parent_pid: int, parent_main_thread: int, initializer, initargs) -> None:
    exit_with_parent(parent_pid, parent_main_thread)
    if initializer is not None:
        initializer(*initargs)


class SerialExecutor(Executor):
    """Runs every task immediately in the calling thread (same interface as the pools)."""

    def __init__(self):
        self._shutdown = False
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot submit to a SerialExecutor after shutdown")
        fut: Future = Future()
        fut.set_running_or_notify_cancel()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through the future, like the pools do
            fut.set_exception(exc)
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True


class DaskExecutor(Executor):
    """A Dask ``distributed`` client's executor that closes the client (and the local cluster
    it started, if any) on ``shutdown``."""

    def __init__(self, client, cluster=None):
        self.client = client
        self.cluster = cluster
        self._inner = client.get_executor()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        return self._inner.submit(fn, *args, **kwargs)

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        return self._inner.map(fn, *iterables, timeout=timeout)

    @property
    def n_workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {}))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with contextlib.suppress(Exception):
            self._inner.shutdown(wait=wait)
        with contextlib.suppress(Exception):
            self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise BackendError(
            "the Dask executor needs the optional 'distributed' package, which is not "
            f"installed ({exc}); install it with: pip install 'p2h_hydraulics[dist]' — or use "
            "the local process pool (no --scheduler / --dask-local)") from None
    return distributed


def make_executor(kind: str = "process", workers: int | None = None,
                  scheduler: str | None = None, **options) -> Executor:
    """A new executor of ``kind`` ("process" | "thread" | "serial" | "dask").

    ``workers``: pool size (default: the usable cores); for Dask the number of local workers
    when a ``LocalCluster`` is started. ``scheduler``: address of a running Dask scheduler
    (``tcp://host:8786``), implies ``kind="dask"``. ``options`` go to ``LocalCluster`` (e.g.
    ``processes=False, threads_per_worker=1``) or to the process pool (``mp_context``).
    The caller shuts the executor down (or uses it as a context manager).
    """
    if scheduler is not None:
        kind = "dask"
    if kind not in KINDS:
        raise P2HError(f"unknown executor kind {kind!r}; choose one of {', '.join(KINDS)}")
    if workers is not None and int(workers) < 1:
        raise P2HError(f"workers must be at least 1, got {workers}")
    n = int(workers) if workers is not None else default_workers()
    if kind == "serial":
        return SerialExecutor()
    if kind == "thread":
        return ThreadPoolExecutor(max_workers=n)
    if kind == "process":
        init = options.pop("initializer", single_threaded_blas)
        initargs = tuple(options.pop("initargs", ()))
        return ProcessPoolExecutor(max_workers=n, initializer=_worker_init,
                                   initargs=(os.getpid(), threading.main_thread().ident, init,
                                             initargs), **options)
    distributed = _import_distributed()
    if scheduler is not None:
        options.setdefault("timeout", "20s")
        try:
            client = distributed.Client(scheduler, **options)
        except OSError as exc:
            raise BackendError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        return DaskExecutor(client)
    cluster_opts = {"n_workers": n, "threads_per_worker": 1, "dashboard_address": None,
                    **options}
    cluster = distributed.LocalCluster(**cluster_opts)
    try:
        client = distributed.Client(cluster)
    except BaseException:
        cluster.close()
        raise
    return DaskExecutor(client, cluster)


def executor_kind(executor) -> str:
    """A short name of an executor for reports ("process", "dask", …)."""
    if isinstance(executor, SerialExecutor):
        return "serial"
    if isinstance(executor, DaskExecutor):
        return "dask"
    if isinstance(executor, ProcessPoolExecutor):
        return "process"
    if isinstance(executor, ThreadPoolExecutor):
        return "thread"
    return type(executor).__name__


@contextlib.contextmanager
def executor_scope(executor=None, workers: int | None = None,
                   scheduler: str | None = None, **options) -> Iterator[Executor]:
    """Use ``executor`` if it is an ``Executor`` (left open: the caller owns it); else make one
    of that kind (default: "serial" when ``workers == 1``, otherwise "process") and shut it
    down afterwards."""
    if isinstance(executor, Executor):
        yield executor
        return
    if executor is None:
        executor = "dask" if scheduler else ("serial" if workers == 1 else "process")
    ex = make_executor(executor, workers=workers, scheduler=scheduler, **options)
    try:
        yield ex
    finally:
        ex.shutdown(wait=True)


def chunked(items: Sequence, n_chunks: int | None = None,
            size: int | None = None) -> list[list]:
    """``items`` cut into contiguous chunks: ``n_chunks`` of near-equal size, or of ``size``."""
    items = list(items)
    if not items:
        return []
    if size is None:
        n = max(1, min(len(items), int(n_chunks or 1)))
        size = -(-len(items) // n)
    size = max(1, int(size))
    return [items[i:i + size] for i in range(0, len(items), size)]


def run_chunks(executor: Executor, fn: Callable, chunks: Iterable[Sequence], *args,
               progress: Callable[[int], None] | None = None, **kwargs) -> list:
    """``fn(chunk, *args, **kwargs)`` for every chunk on ``executor``; results in chunk order.

    ``progress(n)`` is called in the calling thread with the number of items of each finished
    chunk. The first failing chunk's exception is raised (after cancelling what has not
    started).
    """
    chunks = [list(c) for c in chunks]
    futures = {executor.submit(fn, c, *args, **kwargs): i for i, c in enumerate(chunks)}
    out: list = [None] * len(chunks)
    try:
        for fut in as_completed(futures):
            i = futures[fut]
            out[i] = fut.result()
            if progress is not None:
                progress(len(chunks[i]))
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise
    return out
