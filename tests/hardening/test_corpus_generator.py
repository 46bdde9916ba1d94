"""The bad-input corpus is what its generator writes: ``tests/bad_inputs/make_corpus.py`` run into
a temporary folder reproduces every stored file byte for byte (and the links and folders),
and nothing more. When the native writer changes, rerun the script and commit its output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "bad_inputs"
NOT_GENERATED = {"expected.yaml", "make_corpus.py"}


def _tree(folder: Path) -> dict[str, tuple[str, bytes | str]]:
    """relative path → ("link", target) | ("dir", "") | ("file", bytes); symbolic links are
    never followed (one points at /dev/zero)."""
    out: dict[str, tuple[str, bytes | str]] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        base = Path(dirpath)
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in [*dirnames, *filenames]:
            p = base / name
            rel = p.relative_to(folder).as_posix()
            if rel in NOT_GENERATED:
                continue
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = ("dir", "")
            else:
                out[rel] = ("file", p.read_bytes())
    return out


def test_generator_reproduces_the_stored_corpus(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, str(CORPUS / "make_corpus.py"), str(tmp_path)],
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    stored, made = _tree(CORPUS), _tree(tmp_path)
    assert sorted(set(made) - set(stored)) == [], "generated but not stored"
    assert sorted(set(stored) - set(made)) == [], "stored but not generated"
    differ = sorted(k for k in stored if stored[k] != made[k])
    assert differ == [], f"stored files that the generator writes differently: {differ}"
    assert len(stored) > 100  # the comparison saw the corpus
