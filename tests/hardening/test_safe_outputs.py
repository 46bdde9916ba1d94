"""Safe outputs: atomic writes, inputs never overwritten, normal file permissions, YAML
safe-loaded, scenario paths relative to the scenario file."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

import p2h_hydraulics as p2h
from p2h_hydraulics.cli import main
from p2h_hydraulics.errors import OutputError, P2HError
from p2h_hydraulics.io.atomic import write_text_atomic
from p2h_hydraulics.io.results_io import write_result

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "networks" / "small_demo.json"
SCENARIO = """\
name: safe
network: ../nets/small_demo.json
load_cases:
  - {name: winter, demand_scale: 1.0}
units:
  - {id: dc, node: M0, q_kw: 100, cooling: custom, source_temperature_c: 90, max_inlet_c: 60}
"""


def digest(path: Path) -> str:
    """Hash of a file, or of every file of a folder (names and bytes)."""
    h = hashlib.sha256()
    if path.is_dir():
        for f in sorted(path.rglob("*")):
            h.update(str(f.relative_to(path)).encode())
            if f.is_file():
                h.update(f.read_bytes())
    else:
        h.update(path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def small_net():
    return p2h.load_network(SMALL)


@pytest.fixture(scope="module")
def small_result(small_net):
    return p2h.solve(small_net)


@pytest.fixture
def inputs(tmp_path, small_net) -> dict[str, Path]:
    """The small demo as native JSON, GeoJSON and a CSV folder in tmp."""
    out = {"json": tmp_path / "net.json", "geojson": tmp_path / "net.geojson",
           "csv": tmp_path / "net_csv"}
    shutil.copy(SMALL, out["json"])
    p2h.save_network(small_net, out["geojson"])
    p2h.save_network(small_net, out["csv"])
    return out


@pytest.fixture
def scenario_tree(tmp_path) -> Path:
    (tmp_path / "nets").mkdir()
    (tmp_path / "scen").mkdir()
    shutil.copy(SMALL, tmp_path / "nets" / "small_demo.json")
    path = tmp_path / "scen" / "s.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def leftovers(folder: Path) -> list[str]:
    return [f.name for f in folder.rglob("*.tmp")]


# ---------------------------------------------------------------------------------------------
# atomic writes


def _boom(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_failed_write_leaves_the_target_untouched(tmp_path, monkeypatch, failing):
    target = tmp_path / "out.json"
    target.write_text("old content\n", encoding="utf-8")
    monkeypatch.setattr(os, failing, _boom)
    with pytest.raises(OutputError):
        write_text_atomic(target, "new content that must never appear\n")
    assert target.read_text(encoding="utf-8") == "old content\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("fmt, name", [("json", "n.json"), ("geojson", "n.geojson"),
                                       ("csv", "n_csv")])
def test_failed_network_write_leaves_no_partial_file(tmp_path, monkeypatch, small_net, fmt,
                                                     name):
    target = tmp_path / name
    monkeypatch.setattr(os, "replace", _boom)
    with pytest.raises(OutputError):
        p2h.save_network(small_net, target, fmt=fmt)
    assert not target.exists() or (target.is_dir() and not any(target.iterdir()))
    assert leftovers(tmp_path) == []


def test_failed_result_write_leaves_the_old_result(tmp_path, monkeypatch, small_result):
    target = tmp_path / "res.json"
    write_result(small_result, target)
    before = digest(target)
    monkeypatch.setattr(os, "replace", _boom)
    with pytest.raises(OutputError):
        write_result(small_result, target)
    assert digest(target) == before and leftovers(tmp_path) == []


def test_cli_reports_a_failed_write_without_traceback(inputs, tmp_path, monkeypatch, capsys):
    target = tmp_path / "converted.json"
    target.write_text("old\n", encoding="utf-8")
    monkeypatch.setattr(os, "replace", _boom)
    code = main(["convert", str(inputs["json"]), str(target)])
    out, err = capsys.readouterr()
    assert code == 3, err
    assert "No space left on device" in err and "Traceback" not in out + err
    assert target.read_text(encoding="utf-8") == "old\n" and leftovers(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# inputs are never overwritten


@pytest.mark.parametrize("fmt", ["json", "geojson", "csv"])
def test_solve_refuses_to_write_results_over_its_input(inputs, capsys, fmt):
    src = inputs[fmt]
    before = digest(src)
    code = main(["solve", str(src), "--out", str(src)])
    out, err = capsys.readouterr()
    assert code == 3, out + err
    assert "refusing to overwrite" in err and "Traceback" not in out + err
    assert digest(src) == before


def test_solve_refuses_results_inside_its_csv_folder(inputs, capsys):
    src = inputs["csv"]
    before = digest(src)
    code = main(["solve", str(src), "--out", str(src / "junctions.csv")])
    err = capsys.readouterr().err
    assert code == 3 and "refusing to overwrite" in err
    assert digest(src) == before


@pytest.mark.parametrize("fmt", ["json", "geojson", "csv"])
@pytest.mark.parametrize("to", [None, "csv", "pandapipes"])
def test_convert_refuses_to_overwrite_its_input(inputs, capsys, fmt, to):
    src = inputs[fmt]
    before = digest(src)
    args = ["convert", str(src), str(src)] + (["--to", to] if to else [])
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 3, out + err
    assert "Traceback" not in out + err and "internal error" not in err
    assert digest(src) == before


def test_convert_refuses_the_input_by_another_name(inputs, tmp_path, capsys):
    src = inputs["json"]
    link = tmp_path / "alias.json"
    link.symlink_to(src)
    before = digest(src)
    for target in (link, tmp_path / "." / "net.json", tmp_path / "sub" / ".." / "net.json"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        assert main(["convert", str(src), str(target)]) == 3
        assert "refusing to overwrite" in capsys.readouterr().err
    assert digest(src) == before


def test_check_refuses_a_report_over_its_inputs(scenario_tree, capsys):
    net = scenario_tree.parent.parent / "nets" / "small_demo.json"
    before = (digest(scenario_tree), digest(net))
    for target in (scenario_tree, net):
        code = main(["check", str(scenario_tree), "--report", str(target)])
        out, err = capsys.readouterr()
        assert code == 3, out + err
        assert "refusing to overwrite" in err
    assert (digest(scenario_tree), digest(net)) == before


# ---------------------------------------------------------------------------------------------
# permissions


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_written_files_get_normal_permissions(tmp_path, small_net, small_result, umask_022):
    written = [p2h.save_network(small_net, tmp_path / "n.json"),
               p2h.save_network(small_net, tmp_path / "n.geojson"),
               write_result(small_result, tmp_path / "r.json")]
    p2h.save_network(small_net, tmp_path / "n_csv")
    write_result(small_result, tmp_path / "r_csv")
    written += list((tmp_path / "n_csv").iterdir()) + list((tmp_path / "r_csv").iterdir())
    for f in written:
        assert f.stat().st_mode & 0o777 == 0o644, f


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_permissions_follow_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        path = write_text_atomic(tmp_path / "private.txt", "x")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o600


# ---------------------------------------------------------------------------------------------
# YAML is safe-loaded


@pytest.mark.parametrize("payload", [
    "!!python/object/apply:os.system ['touch {marker}']",
    "name: !!python/object/apply:os.system ['touch {marker}']",
    "name: x\ndescription: !!python/object/new:os.system ['touch {marker}']",
    "name: x\nunits: !!python/object/apply:subprocess.call [['touch', '{marker}']]",
    "name: !!python/name:os.system",
    "name: !custom_tag {{a: 1}}",
])
def test_yaml_tags_are_refused_without_side_effects(tmp_path, capsys, payload):
    marker = tmp_path / "marker"
    path = tmp_path / "evil.yaml"
    path.write_text(payload.format(marker=marker) + "\n", encoding="utf-8")
    with pytest.raises(P2HError) as info:
        p2h.load_scenario(path)
    assert "not allowed" in str(info.value) and "evil.yaml" in str(info.value)
    code = main(["check", str(path)])
    err = capsys.readouterr().err
    assert code == 3 and "not allowed" in err
    assert not marker.exists()


def test_scenario_loader_uses_the_safe_yaml_loader(monkeypatch, scenario_tree):
    import yaml

    def forbidden(*args, **kwargs):
        raise AssertionError("unsafe YAML loader used")

    monkeypatch.setattr(yaml, "Loader", forbidden)
    monkeypatch.setattr(yaml, "UnsafeLoader", forbidden)
    monkeypatch.setattr(yaml, "FullLoader", forbidden)
    monkeypatch.setattr(yaml, "unsafe_load", forbidden)
    monkeypatch.setattr(yaml, "full_load", forbidden)
    assert p2h.load_scenario(scenario_tree).name == "safe"


# ---------------------------------------------------------------------------------------------
# scenario paths are relative to the scenario file


def test_scenario_network_resolves_relative_to_the_scenario_file(scenario_tree, tmp_path,
                                                                 monkeypatch, capsys):
    elsewhere = tmp_path / "elsewhere" / "deeper"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    rel = Path(os.path.relpath(scenario_tree, elsewhere))
    scen = p2h.load_scenario(rel)
    assert scen.network_path.resolve() == (tmp_path / "nets" / "small_demo.json").resolve()
    assert len(scen.load_network().consumers) == 10
    code = main(["check", str(rel), "--json", "--report-dir", "."])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert json.loads(out)["verdict"] in ("PERMITTED", "PERMITTED_WITH_CONDITIONS",
                                          "NOT_PERMITTED")
    assert (elsewhere / "safe.json").exists() and (elsewhere / "safe.md").exists()
    assert not (elsewhere / "nets").exists()


def test_scenario_with_a_missing_relative_network_names_the_resolved_path(scenario_tree,
                                                                          tmp_path, monkeypatch):
    scenario_tree.write_text(SCENARIO.replace("../nets/", "../other/"), encoding="utf-8")
    monkeypatch.chdir(tmp_path / "nets")  # a cwd where ../other/ would not exist either
    with pytest.raises(P2HError) as info:
        p2h.load_scenario(scenario_tree)
    msg = str(info.value)
    assert str(tmp_path / "other" / "small_demo.json") in msg and "s.yaml" in msg


# ---------------------------------------------------------------------------------------------
# multi-file outputs are replaced whole


def test_a_failed_folder_write_leaves_the_old_folder(tmp_path, monkeypatch, small_result):
    out = tmp_path / "res"
    write_result(small_result, out)
    before = digest(out)
    calls = {"n": 0}
    real = os.replace

    def fail_third(a, b):  # two new files are in the staging folder, then the disk is full
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        return real(a, b)

    monkeypatch.setattr(os, "replace", fail_third)
    with pytest.raises(OutputError, match="No space left"):
        write_result(small_result, out)
    assert calls["n"] == 3 and digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]  # no staging folder left


def test_a_new_folder_replaces_the_old_one_whole(tmp_path, small_net):
    from p2h_hydraulics.model.schema import TABLES

    empty = next(t for t in TABLES if small_net.table(t).empty)
    out = tmp_path / "n_csv"
    p2h.save_network(small_net, out)
    (out / f"{empty}.csv").write_text("id\n", encoding="utf-8")  # stale: an older write
    old_inode = out.stat().st_ino
    p2h.save_network(small_net, out)
    assert f"{empty}.csv" not in {p.name for p in out.iterdir()}
    assert out.stat().st_ino != old_inode  # a new folder, swapped in
    assert len(p2h.load_network(out).consumers) == 10


def test_interrupted_annual_write_keeps_the_old_folder(tmp_path, monkeypatch, capsys):
    """A kill (here: an exception) while ``--out`` is being written leaves the old folder."""
    from p2h_hydraulics.annual.result import AnnualResult

    (tmp_path / "nets").mkdir()
    shutil.copy(SMALL, tmp_path / "nets" / "small_demo.json")
    scen = tmp_path / "a.yaml"
    scen.write_text("name: a\nnetwork: nets/small_demo.json\nunits:\n  - {id: dc, node: M0, "
                    "q_kw: 80, cooling: air, hx_approach_k: 3}\nannual: {weather: example}\n",
                    encoding="utf-8")
    out = tmp_path / "annual"
    out.mkdir()
    (out / "summary.json").write_text('{"old": true}\n', encoding="utf-8")
    (out / "hourly.csv").write_text("old\n", encoding="utf-8")
    before = digest(out)
    real = AnnualResult.write

    def write_then_die(self, out_dir, inputs=(), figures=True):
        real(self, out_dir, inputs, figures=False)
        raise KeyboardInterrupt

    monkeypatch.setattr(AnnualResult, "write", write_then_die)
    code = main(["annual", str(scen), "--sample", "3", "--workers", "1", "--out", str(out)])
    assert code == 130, capsys.readouterr().err
    assert digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "annual", "nets"]
    monkeypatch.setattr(AnnualResult, "write", real)
    assert main(["annual", str(scen), "--sample", "3", "--workers", "1", "--out", str(out),
                 "--no-figures"]) == 0
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["hours"] == 3


def test_an_output_folder_with_other_files_is_refused_before_solving(tmp_path, small_net,
                                                                      capsys, monkeypatch):
    out = tmp_path / "res"
    out.mkdir()
    (out / "my_notes.txt").write_text("precious\n", encoding="utf-8")
    net = tmp_path / "net.json"
    shutil.copy(SMALL, net)

    def forbidden(*a, **k):
        raise AssertionError("solved before refusing the output folder")

    monkeypatch.setattr(p2h, "solve", forbidden)
    assert main(["solve", str(net), "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert "my_notes.txt" in err and "empty or new folder" in err
    assert (out / "my_notes.txt").read_text(encoding="utf-8") == "precious\n"


def test_an_output_folder_holding_the_input_is_refused(tmp_path, capsys):
    net = tmp_path / "out" / "net.json"
    net.parent.mkdir()
    shutil.copy(SMALL, net)
    before = digest(net)
    assert main(["convert", str(net), str(tmp_path / "out"), "--to", "csv"]) == 3
    assert "refusing to overwrite an input" in capsys.readouterr().err
    assert digest(net) == before


# ---------------------------------------------------------------------------------------------
# locks: two runs writing the same output


def test_a_second_writer_of_the_same_output_fails_clearly(scenario_tree, tmp_path, capsys,
                                                          monkeypatch):
    from p2h_hydraulics.io.locks import lock_path, output_locks

    report = tmp_path / "r.md"
    monkeypatch.setenv("P2H_LOCK_WAIT_S", "0.3")
    with output_locks([report]):  # another run holds the output
        start = __import__("time").perf_counter()
        code = main(["check", str(scenario_tree), "--report", str(report)])
        waited = __import__("time").perf_counter() - start
        err = capsys.readouterr().err
        assert code == 3, err
        assert "another p2h run is writing" in err and str(report) in err
        assert f"process {os.getpid()}" in err
        assert not report.exists() and waited < 5
    assert not lock_path(report).exists()  # released and removed
    assert main(["check", str(scenario_tree), "--report", str(report)]) in (0, 1)
    assert report.exists() and not lock_path(report).exists()


def test_a_writer_waits_for_a_short_lock(tmp_path, monkeypatch):
    import threading
    import time

    from p2h_hydraulics.io.locks import output_locks

    target = tmp_path / "x.txt"
    monkeypatch.setenv("P2H_LOCK_WAIT_S", "5")
    order = []
    held = threading.Event()

    def first():
        with output_locks([target]):
            held.set()
            time.sleep(0.4)
            order.append("first done")

    t = threading.Thread(target=first)
    t.start()
    held.wait(5)
    with output_locks([target]):
        order.append("second in")
    t.join()
    assert order == ["first done", "second in"]


# ---------------------------------------------------------------------------------------------
# work-size limits


def _many_cases_scenario(tmp_path: Path, n: int) -> Path:
    (tmp_path / "nets").mkdir(exist_ok=True)
    shutil.copy(SMALL, tmp_path / "nets" / "small_demo.json")
    cases = "".join(f"  - {{name: c{i}, demand_scale: {0.5 + i / (2 * n):.6f}}}\n"
                    for i in range(n))
    path = tmp_path / "many.yaml"
    path.write_text(f"name: many\nnetwork: nets/small_demo.json\nload_cases:\n{cases}units:\n"
                    "  - {id: dc, node: M0, q_kw: 80, cooling: air, hx_approach_k: 3}\n",
                    encoding="utf-8")
    return path


def test_check_with_thousands_of_load_cases_needs_yes(tmp_path, capsys, monkeypatch):
    import p2h_hydraulics.check as checks

    path = _many_cases_scenario(tmp_path, 1_001)
    monkeypatch.setattr(checks, "check_integration",
                        lambda *a, **k: (_ for _ in ()).throw(AssertionError("solved")))
    assert main(["check", str(path)]) == 3
    err = capsys.readouterr().err
    assert "1,001 load cases" in err and "2,002 solves" in err and "--yes" in err


def test_the_limit_is_configurable_and_yes_runs(tmp_path, capsys, monkeypatch):
    path = _many_cases_scenario(tmp_path, 2)
    monkeypatch.setenv("P2H_MAX_SOLVES", "3")
    assert main(["check", str(path), "--json"]) == 3
    assert "4 solves" in capsys.readouterr().err
    code = main(["check", str(path), "--json", "--yes"])
    out = capsys.readouterr().out
    assert code in (0, 1) and len(json.loads(out)["load_cases"]) == 2


def test_sites_estimate_counts_nodes_and_load_cases(tmp_path, capsys, monkeypatch):
    import p2h_hydraulics.sites as sites

    path = _many_cases_scenario(tmp_path, 3)
    monkeypatch.setenv("P2H_MAX_SOLVES", "100")
    monkeypatch.setattr(sites, "compare_sites",
                        lambda *a, **k: (_ for _ in ()).throw(AssertionError("solved")))
    net = p2h.load_network(SMALL)
    n = len(sites.select_candidates(net))
    assert main(["sites", str(path)]) == 3
    err = capsys.readouterr().err
    assert f"{n:,} refined of {n:,} candidate nodes" in err and "3 load case" in err
    assert f"{n * 3 * 8:,} solves" in err


def test_a_weather_file_of_a_century_needs_yes(tmp_path, capsys, monkeypatch):
    import time

    import p2h_hydraulics.annual.run as annual_run

    (tmp_path / "nets").mkdir()
    shutil.copy(SMALL, tmp_path / "nets" / "small_demo.json")
    n = 876_000  # 100 years of hours, every one distinct
    temps = "\n".join(f"{-20 + (i % 4_000) / 100:.2f}" for i in range(n))
    (tmp_path / "w.csv").write_text("t_out_c\n" + temps + "\n", encoding="utf-8")
    path = tmp_path / "a.yaml"
    path.write_text("name: a\nnetwork: nets/small_demo.json\nunits:\n  - {id: dc, node: M0, "
                    "q_kw: 80, cooling: air, hx_approach_k: 3}\nannual: {weather: w.csv}\n",
                    encoding="utf-8")
    monkeypatch.setattr(annual_run, "run_annual",
                        lambda *a, **k: (_ for _ in ()).throw(AssertionError("solved")))
    start = time.perf_counter()
    assert main(["annual", str(path)]) == 3
    err = capsys.readouterr().err
    assert "876,000 hours" in err and "--yes" in err and "--sample" in err
    assert time.perf_counter() - start < 60


# ---------------------------------------------------------------------------------------------
# pool workers end with their parent

KILL_SCRIPT = """
import os, sys, threading, time
from p2h_hydraulics.executors import make_executor

def task(folder):
    open(os.path.join(folder, str(os.getpid())), "w").close()
    time.sleep(120)

def submit(ex, folder):
    for _ in range(2):
        ex.submit(task, folder)

ex = make_executor("process", workers=2)
if sys.argv[2] == "thread":  # workers forked by a thread that ends long before the pool
    t = threading.Thread(target=submit, args=(ex, sys.argv[1]))
    t.start()
    t.join()
else:
    submit(ex, sys.argv[1])
time.sleep(120)
"""


def _running(pid: int) -> bool:
    """Alive and not a zombie (a container's init may not reap orphans)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc (Linux)")
@pytest.mark.parametrize("spawned_by", ["main", "thread"])
def test_pool_workers_exit_when_the_parent_is_killed(tmp_path, spawned_by):
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(tmp_path), spawned_by],
                              env=env)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while len(workers) < 2 and time.monotonic() < deadline:
            workers = [int(p.name) for p in tmp_path.iterdir() if p.name.isdigit()]
            time.sleep(0.05)
        assert len(workers) == 2, "the workers did not start"
        time.sleep(1.5)  # longer than the watchdog period: a thread's end must not kill them
        assert all(_running(w) for w in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        start = time.monotonic()
        while any(_running(w) for w in workers) and time.monotonic() - start < 5:
            time.sleep(0.05)
        assert not any(_running(w) for w in workers), "workers outlived their parent by 5 s"
    finally:
        if parent.poll() is None:
            parent.kill()
        for w in workers:
            if _running(w):
                os.kill(w, signal.SIGKILL)


def test_annual_out_never_replaces_its_weather_file(tmp_path, capsys, monkeypatch):
    """A weather file named like an annual output, inside the --out folder: refused."""
    import p2h_hydraulics.annual.run as annual_run

    (tmp_path / "nets").mkdir()
    shutil.copy(SMALL, tmp_path / "nets" / "small_demo.json")
    (tmp_path / "out").mkdir()
    weather = tmp_path / "out" / "hourly.csv"
    weather.write_text("t_out_c\n" + "5.0\n" * 24, encoding="utf-8")
    path = tmp_path / "a.yaml"
    path.write_text("name: a\nnetwork: nets/small_demo.json\nunits:\n  - {id: dc, node: M0, "
                    "q_kw: 80, cooling: air, hx_approach_k: 3}\n"
                    "annual: {weather: out/hourly.csv}\n", encoding="utf-8")
    monkeypatch.setattr(annual_run, "prepare",
                        lambda *a, **k: (_ for _ in ()).throw(AssertionError("computed")))
    assert main(["annual", str(path), "--out", str(tmp_path / "out")]) == 3
    err = capsys.readouterr().err
    assert "refusing to overwrite an input" in err and "hourly.csv" in err
    assert weather.read_text(encoding="utf-8").startswith("t_out_c")


def test_an_unwritable_folder_fails_before_solving(scenario_tree, tmp_path, capsys,
                                                   monkeypatch):
    """``os.access`` stands in for a read-only folder (root may write everywhere)."""
    import p2h_hydraulics.check as checks

    locked = tmp_path / "readonly"
    locked.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False
                        if Path(p) == locked else real(p, mode, *a, **k))
    monkeypatch.setattr(checks, "check_integration",
                        lambda *a, **k: (_ for _ in ()).throw(AssertionError("solved")))
    assert main(["check", str(scenario_tree), "--report", str(locked / "r.md")]) == 3
    err = capsys.readouterr().err
    assert str(locked) in err and "not writable" in err
