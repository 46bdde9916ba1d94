"""Inputs and outputs that are not plain files: FIFOs, devices, symbolic links, oversized files.

Inputs are read only from regular files (``io.safe_read``), within a byte cap; outputs go only
to regular files and are never written through a symbolic link. Each refusal is an exit 3
within seconds, names the path, and happens before any solve.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import p2h_hydraulics as p2h
from p2h_hydraulics.cli import main
from p2h_hydraulics.errors import InputFileError, OutputError
from p2h_hydraulics.io.safe_read import check_regular_file, max_input_bytes, read_regular_bytes

pytestmark = pytest.mark.skipif(os.name != "posix" or not hasattr(os, "mkfifo"),
                                reason="FIFOs and devices are POSIX")

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "networks" / "small_demo.json"
WORKTREE = str(ROOT)
QUICK_S = 10.0  # a refusal takes well under a second; a hang would block forever
SCENARIO = """\
name: special
network: {network}
load_cases:
  - {{name: winter, demand_scale: 1.0}}
units:
  - {{id: dc, node: M0, q_kw: 80, cooling: air, hx_approach_k: 3}}
annual:
  weather: {weather}
"""


def _unblock(path: Path) -> None:
    """Give a reader stuck on the FIFO ``path`` an end of file (old code would hang there)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return  # no reader waiting
    os.close(fd)


@pytest.fixture
def fifo(tmp_path):
    made = []

    def make(name: str) -> Path:
        p = tmp_path / name
        os.mkfifo(p)
        made.append(p)
        return p

    yield make
    for p in made:
        _unblock(p)


def within(seconds: float, fn, *args):
    """``fn(*args)`` in a daemon thread; fails if it does not return in ``seconds``. Returns
    (result, exception)."""
    box: dict = {}

    def run():
        try:
            box["result"] = fn(*args)
        except BaseException as exc:  # handed to the test
            box["exc"] = exc

    t = threading.Thread(target=run, daemon=True)
    start = time.perf_counter()
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"{fn.__name__} still running after {seconds} s (hangs)"
    assert time.perf_counter() - start < seconds
    return box.get("result"), box.get("exc")


def cli(*args) -> tuple[int, str, str]:
    """The CLI in a fresh process, with a timeout and a 1.5 GB address-space limit (old code
    reading /dev/zero would take all the memory)."""
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))

    env = {**os.environ, "PYTHONPATH": WORKTREE}
    code = "import sys; from p2h_hydraulics.cli import main; sys.exit(main(sys.argv[1:]))"
    try:
        proc = subprocess.run([sys.executable, "-c", code, *map(str, args)], env=env,
                              capture_output=True, text=True, timeout=60, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"p2h {' '.join(map(str, args))} still running after 60 s")
    return proc.returncode, proc.stdout, proc.stderr


def scenario(tmp_path: Path, network: str = "net.json", weather: str = "example") -> Path:
    if not (tmp_path / "net.json").exists():
        shutil.copy(SMALL, tmp_path / "net.json")
    p = tmp_path / "s.yaml"
    p.write_text(SCENARIO.format(network=network, weather=weather), encoding="utf-8")
    return p


# ---------------------------------------------------------------------------------------------
# inputs


@pytest.mark.parametrize("name", ["net.json", "net.geojson", "net"])
def test_fifo_network_is_refused_quickly(fifo, capsys, name):
    pipe = fifo(name)
    _, exc = within(QUICK_S, p2h.load_network, pipe)
    assert isinstance(exc, InputFileError), exc
    assert str(pipe) in str(exc) and "FIFO" in str(exc)
    code, err = within(QUICK_S, lambda: (main(["solve", str(pipe)]),
                                         capsys.readouterr().err))[0]
    assert code == 3 and "FIFO" in err and "Traceback" not in err
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


def test_symlink_to_dev_zero_as_network_is_refused(tmp_path):
    link = tmp_path / "net.json"
    link.symlink_to("/dev/zero")
    code, out, err = cli("solve", link)
    assert code == 3, err[-2000:]
    assert "character device" in err and "/dev/zero" in err and "Traceback" not in err


def test_symlink_to_a_regular_network_is_followed(tmp_path):
    link = tmp_path / "alias.json"
    link.symlink_to(SMALL)
    assert len(p2h.load_network(link).consumers) == 10


def test_fifo_table_in_a_csv_folder_is_named(tmp_path, fifo):
    folder = tmp_path / "net_csv"
    p2h.save_network(p2h.load_network(SMALL), folder)
    (folder / "pipes.csv").unlink()
    pipe = fifo("net_csv/pipes.csv")
    _, exc = within(QUICK_S, p2h.load_network, folder)
    assert isinstance(exc, InputFileError)
    assert str(pipe) in str(exc) and "FIFO" in str(exc) and "not a regular file" in str(exc)


def test_fifo_as_the_scenario_network(tmp_path, fifo, capsys):
    fifo("pipe.json")
    path = scenario(tmp_path, network="pipe.json")
    _, exc = within(QUICK_S, p2h.load_scenario, path)
    assert isinstance(exc, p2h.ScenarioError) and "pipe.json" in str(exc) and "FIFO" in str(exc)
    code, err = within(QUICK_S, lambda: (main(["check", str(path)]),
                                         capsys.readouterr().err))[0]
    assert code == 3 and "FIFO" in err


def test_fifo_as_the_scenario_file(fifo, capsys):
    pipe = fifo("s.yaml")
    code, err = within(QUICK_S, lambda: (main(["check", str(pipe)]),
                                         capsys.readouterr().err))[0]
    assert code == 3 and str(pipe) in err and "FIFO" in err


def test_fifo_as_the_weather_file(tmp_path, fifo, capsys):
    fifo("weather.csv")
    path = scenario(tmp_path, weather="weather.csv")
    code, err = within(QUICK_S, lambda: (main(["annual", str(path), "--workers", "1"]),
                                         capsys.readouterr().err))[0]
    assert code == 3, err
    assert "weather.csv" in err and "FIFO" in err


def test_dev_zero_as_the_weather_file(tmp_path):
    path = scenario(tmp_path, weather="/dev/zero")
    code, out, err = cli("annual", path, "--workers", "1")
    assert code == 3, err[-2000:]
    assert "/dev/zero" in err and "character device" in err


def test_network_over_the_cap_is_refused_before_reading(tmp_path, monkeypatch, capsys):
    size = SMALL.stat().st_size
    monkeypatch.setenv("P2H_MAX_NETWORK_MB", str(size / 2 / 2**20))
    assert max_input_bytes("network") == size // 2
    with pytest.raises(InputFileError) as info:
        p2h.load_network(SMALL)
    msg = str(info.value)
    assert "too large" in msg and "P2H_MAX_NETWORK_MB" in msg and str(SMALL) in msg
    assert main(["solve", str(SMALL)]) == 3
    assert "too large" in capsys.readouterr().err
    monkeypatch.setenv("P2H_MAX_NETWORK_MB", str(2 * size / 2**20))
    assert len(p2h.load_network(SMALL).consumers) == 10


def test_weather_over_the_cap_is_refused(tmp_path, monkeypatch, capsys):
    rows = "t_out_c\n" + "5.0\n" * 8760
    (tmp_path / "w.csv").write_text(rows, encoding="utf-8")
    path = scenario(tmp_path, weather="w.csv")
    monkeypatch.setenv("P2H_MAX_TABLE_MB", "0.01")  # 10 kiB < the 35 kiB file
    assert main(["annual", str(path), "--workers", "1"]) == 3
    err = capsys.readouterr().err
    assert "w.csv" in err and "too large" in err and "P2H_MAX_TABLE_MB" in err


def test_a_growing_file_is_cut_at_the_cap(tmp_path):
    """The cap holds for what is read, not only for the size stat() reported."""
    f = tmp_path / "x.json"
    f.write_bytes(b"x" * 100)
    assert read_regular_bytes(f, 100, "network") == b"x" * 100
    with pytest.raises(InputFileError, match="too large"):
        read_regular_bytes(f, 99, "network")


def test_bad_cap_setting_is_an_input_error(monkeypatch):
    monkeypatch.setenv("P2H_MAX_SCENARIO_MB", "lots")
    with pytest.raises(InputFileError, match="P2H_MAX_SCENARIO_MB"):
        max_input_bytes("scenario")


def test_check_regular_file_names_the_kind(tmp_path, fifo):
    pipe = fifo("p")
    with pytest.raises(InputFileError, match="FIFO"):
        check_regular_file(pipe, "network")
    with pytest.raises(InputFileError, match="is a directory"):
        check_regular_file(tmp_path, "network")
    dangling = tmp_path / "gone.json"
    dangling.symlink_to(tmp_path / "nowhere.json")
    with pytest.raises(InputFileError, match="not found.*symbolic link"):
        check_regular_file(dangling, "network")


# ---------------------------------------------------------------------------------------------
# outputs


@pytest.fixture
def no_solving(monkeypatch):
    """Fails the test if a command gets as far as solving."""
    import p2h_hydraulics.annual.run as annual_run
    import p2h_hydraulics.check as checks
    import p2h_hydraulics.sites as sites

    def forbidden(*args, **kwargs):
        raise AssertionError("the command solved before refusing its output path")

    monkeypatch.setattr(checks, "check_integration", forbidden)
    monkeypatch.setattr(p2h, "solve", forbidden)
    monkeypatch.setattr(annual_run, "prepare", forbidden)
    monkeypatch.setattr(sites, "compare_sites", forbidden)


def test_report_onto_a_fifo_is_refused_and_the_fifo_stays(tmp_path, fifo, capsys, no_solving):
    path = scenario(tmp_path)
    pipe = fifo("report.md")
    code, err = within(QUICK_S, lambda: (main(["check", str(path), "--report", str(pipe)]),
                                         capsys.readouterr().err))[0]
    assert code == 3, err
    assert str(pipe) in err and "FIFO" in err
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


@pytest.mark.parametrize("args", [["solve", "{net}", "--out", "{dev}"],
                                  ["convert", "{net}", "{dev}"],
                                  ["check", "{scen}", "--html", "{dev}"],
                                  ["sites", "{scen}", "--out", "{dev}"],
                                  ["plot", "{net}", "--out", "{dev}"]])
def test_no_command_writes_to_a_device(tmp_path, capsys, no_solving, args):
    """A copy of /dev/null (made with mknod as root) stands in for the real one."""
    dev = tmp_path / ("null" + {"solve": ".json", "convert": ".json", "check": ".html",
                                "sites": ".csv", "plot": ".png"}[args[0]])
    try:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("mknod of a character device needs root")
    path = scenario(tmp_path)
    argv = [a.format(net=tmp_path / "net.json", scen=path, dev=dev) for a in args]
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert str(dev) in err and "character device" in err
    assert stat.S_ISCHR(os.lstat(dev).st_mode)


def test_report_onto_a_symlink_keeps_link_and_target(tmp_path, capsys, no_solving):
    path = scenario(tmp_path)
    target = tmp_path / "elsewhere.md"
    target.write_text("someone else's file\n", encoding="utf-8")
    link = tmp_path / "report.md"
    link.symlink_to(target)
    assert main(["check", str(path), "--report", str(link)]) == 3
    err = capsys.readouterr().err
    assert "symbolic link" in err and str(link) in err and str(target) in err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == "someone else's file\n"


@pytest.mark.parametrize("command", ["check", "solve", "sites", "annual", "convert", "plot"])
def test_output_under_a_regular_file_fails_before_solving(tmp_path, capsys, no_solving,
                                                         command):
    path = scenario(tmp_path)
    blocker = tmp_path / "somefile"
    blocker.write_text("a file, not a folder\n", encoding="utf-8")
    net = str(tmp_path / "net.json")
    argv = {"check": ["check", str(path), "--report", str(blocker / "out.md")],
            "solve": ["solve", net, "--out", str(blocker / "res")],
            "sites": ["sites", str(path), "--out", str(blocker / "sub" / "r.csv")],
            "annual": ["annual", str(path), "--out", str(blocker / "annual")],
            "convert": ["convert", net, str(blocker / "n.json")],
            "plot": ["plot", net, "--out", str(blocker / "m.png")]}[command]
    start = time.perf_counter()
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 3, err
    assert str(blocker) in err and "not a folder" in err and "internal error" not in err
    assert time.perf_counter() - start < QUICK_S
    assert blocker.read_text(encoding="utf-8") == "a file, not a folder\n"


def test_existing_file_as_annual_out_fails_before_the_analysis(tmp_path, capsys, no_solving):
    path = scenario(tmp_path)
    out = tmp_path / "results"
    out.write_text("keep me\n", encoding="utf-8")
    assert main(["annual", str(path), "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert str(out) in err and "not a folder" in err and "internal error" not in err
    assert out.read_text(encoding="utf-8") == "keep me\n"


def test_output_hard_linked_to_an_input_is_refused(tmp_path, capsys, no_solving):
    path = scenario(tmp_path)
    alias = tmp_path / "alias.md"
    os.link(tmp_path / "net.json", alias)
    before = (tmp_path / "net.json").read_bytes()
    assert main(["check", str(path), "--report", str(alias)]) == 3
    assert "refusing to overwrite an input" in capsys.readouterr().err
    assert (tmp_path / "net.json").read_bytes() == before


def test_write_failure_is_exit_3_with_the_path(tmp_path, capsys, monkeypatch):
    path = scenario(tmp_path)
    report = tmp_path / "r.md"

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    code = main(["check", str(path), "--report", str(report)])
    err = capsys.readouterr().err
    assert code == 3, err
    assert str(report) in err and "No space left" in err and "internal error" not in err
    assert not report.exists()


def test_output_error_is_a_p2h_error_with_exit_3():
    assert issubclass(OutputError, p2h.P2HError) and OutputError.exit_code == 3
