"""The pandapipes library, imported on first use (it is heavy and patches matplotlib).

``pandapipes()`` returns the module (or raises ``BackendError`` when it is missing) after
undoing the patch its plotting package applies to matplotlib (``restore_matplotlib_renderer``).
"""

from __future__ import annotations

from ..errors import BackendError

__all__ = ["pandapipes", "restore_matplotlib_renderer"]


def pandapipes():
    """The pandapipes module (imported on first use), or a BackendError if it is missing."""
    try:
        import pandapipes as pp  # heavy: imported on first use (not at package import)
    except ImportError as exc:  # pragma: no cover - pandapipes is a dependency
        raise BackendError(f"pandapipes is not installed ({exc}); install it to use the "
                           "pandapipes backend or pandapipes files") from None
    restore_matplotlib_renderer()
    return pp


def restore_matplotlib_renderer() -> None:
    """Undo the patch pandapipes' (and pandapower's) plotting package applies to matplotlib on
    import: ``RendererBase.new_gc`` replaced, for round line caps in their own plots, by one
    whose graphics context holds the cap style as a plain string — every later SVG or PDF of
    the process then fails inside matplotlib (``'str' object has no attribute 'name'``)."""
    try:
        # only needed once pandapipes has replaced the renderer: not at package import
        from matplotlib.backend_bases import GraphicsContextBase, RendererBase
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return
    if str(getattr(RendererBase.new_gc, "__module__", "")).startswith(("pandapipes",
                                                                        "pandapower")):
        def new_gc(self):
            """Return an instance of a `.GraphicsContextBase` (matplotlib's own)."""
            return GraphicsContextBase()

        RendererBase.new_gc = new_gc
