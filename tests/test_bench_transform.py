"""bench/transform_throughput.py runs on every adapter's samples with nothing rejected (its timings are not tested)."""
import importlib.util
from pathlib import Path

from sidecar.adapters import ADAPTERS


def test_the_benchmark_measures_every_adapter(capsys):
    path = Path(__file__).resolve().parent.parent / "bench" / "transform_throughput.py"
    spec = importlib.util.spec_from_file_location("transform_throughput", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--runs", "1", "--scale", "0.02"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:-1]}
    assert set(rows) == set(ADAPTERS)
    assert all(row[5].endswith("x") for row in rows.values())  # the ratio column
