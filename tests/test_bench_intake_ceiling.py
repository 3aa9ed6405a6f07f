"""bench/intake_ceiling.py runs and clocks SQLite's calls: a share of each decision's CPU, statements and
commits both (its figures are not tested)."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_ceiling_benchmark_clocks_sqlite_inside_each_decision():
    run = subprocess.run([sys.executable, "bench/intake_ceiling.py", "--decisions", "40", "--threads", "2",
                          "--seconds", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    cpu = re.search(r"CPU per decision in process: ([\d.]+) ms, of it inside SQLite's calls ([\d.]+) ms "
                    r"\(\d+%; (.*)\)", run.stdout)
    assert cpu, run.stdout
    process_ms, sqlite_ms, calls = float(cpu.group(1)), float(cpu.group(2)), cpu.group(3)
    assert 0 < sqlite_ms < process_ms
    assert "execute" in calls and "commit" in calls
    assert re.search(r"ceiling, echo / \(echo \+ SQLite per decision\): [\d.]+x", run.stdout), run.stdout
