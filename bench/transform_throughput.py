"""Benchmark: transform throughput per adapter, as a ratio to plain parsing of the same input.

Each adapter gets a body of many records made from its samples (tests/samples/adapters/), with
every SKU, unit and partner mapped. It is timed through `sidecar.adapters.transform` (split,
mapping, conversion and the canonical contract's validation of each record) and, in the same run
and on the same bytes, through the least any reader must do: `json.loads`, or for a CSV body
decoding it and reading it with `csv.reader`. The ratio says how many plain parses one transform
costs, whatever the machine; records per second are printed too.

    .venv/bin/python bench/transform_throughput.py [--runs 15] [--scale 1.0] [--clock cpu|wall]
"""
from __future__ import annotations

import argparse
import copy
import csv
import gc
import io
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sidecar.adapters import ADAPTERS, transform  # noqa: E402
from tests.support.adapter_mapping import sample_mapper  # noqa: E402

SAMPLES = ROOT / "tests" / "samples" / "adapters"
SOURCES = {"shop-order": "shop-eu", "carrier-tracking": "easypost", "supplier-asn": "acme-supplies",
           "supplier-asn-csv": "acme-supplies", "wms-stock": "wms-main", "pos-sales": "pos-store-12",
           "supplier-pricelist": "acme-supplies"}


def _sample(adapter: str, name: str):
    return json.loads((SAMPLES / adapter / name).read_text())


def bodies(scale: float) -> dict[str, tuple[bytes, str, int]]:
    """adapter -> (body, media type, records in it)."""
    n = max(1, int(200 * scale))
    order = _sample("shop-order", "eu-taxes-included.json")
    orders = [dict(copy.deepcopy(order), id=order["id"] + i, name=f"#{1042 + i}") for i in range(n)]
    tracker = _sample("carrier-tracking", "delivered.json")
    trackers = [dict(tracker, id=f"trk_{i:032d}", tracking_code=f"1Z999AA1{i:010d}") for i in range(n)]
    notice = _sample("supplier-asn", "856-pallets.json")
    notices = [dict(copy.deepcopy(notice), BSN=dict(notice["BSN"], BSN02=f"SHP-{i}")) for i in range(n)]
    snapshot = _sample("wms-stock", "snapshot.json")
    lines = [dict(line, location=f"{line['location']}-{i}") for i in range(n * 2) for line in snapshot["lines"]]
    summary = _sample("pos-sales", "store-12.json")
    summaries = [dict(summary, business_date=f"{2020 + i // 365}-01-01", closed_at=None) for i in range(n)]
    asn_rows = ["asn_id,po,sku,quantity,unit,lot,shipped_at,expected_at"] + [
        f"SHP-{i // 4},P{i // 4:05d},{sku},{1 + i % 7},{unit},{lot},2026-12-06T06:00:00Z,2026-12-09"
        for i, (sku, unit, lot) in ((i, (("AC-PAPER-A4", "PL", ""), ("AC-PAPER-A4", "CS", "L1"),
                                          ("AC-CHAIR-MESH", "CA", "CH-1"), ("AC-DSK-160", "EA", ""))[i % 4])
                                    for i in range(n * 8))]
    price_rows = ["sku,unit,price,currency,min_quantity,date_start,date_end"] + [
        f"{sku},{unit},{price},EUR,{i},2027-01-01,2027-06-30"
        for i in range(n * 4) for sku, unit, price in [(("AC-DSK-160", "EA", "212.50"), ("AC-CHAIR-MESH", "CA", "596"),
                                                        ("AC-PAPER-A4", "PL", "3240"))[i % 3]]]
    as_json = lambda value: json.dumps(value).encode()  # noqa: E731
    return {
        "shop-order": (as_json(orders), "application/json", len(orders)),
        "carrier-tracking": (as_json(trackers), "application/json", len(trackers)),
        "supplier-asn": (as_json(notices), "application/json", len(notices)),
        "supplier-asn-csv": ("\n".join(asn_rows).encode(), "text/csv", n * 2),
        "wms-stock": (as_json(dict(snapshot, lines=lines)), "application/json", len(lines)),
        "pos-sales": (as_json(summaries), "application/json", len(summaries)),
        "supplier-pricelist": ("\n".join(price_rows).encode(), "text/csv", len(price_rows) - 1),
    }


def plain_parse(body: bytes, media_type: str):
    if media_type == "text/csv":
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    return json.loads(body)


def median_ms(fn, runs: int, clock) -> float:
    """Median time of one call by `clock`, in ms (garbage collection off while timing)."""
    fn()
    times = []
    gc.disable()
    try:
        for _ in range(runs):
            start = clock()
            fn()
            times.append(clock() - start)
    finally:
        gc.enable()
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 200 orders, 2400 stock lines, 800 price rows...")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                        help="cpu: this thread's CPU time (default; steady on a busy machine); wall: elapsed")
    args = parser.parse_args(argv)
    clock = time.thread_time if args.clock == "cpu" else time.perf_counter
    mapper = sample_mapper()
    print(f"{'adapter':<20}{'records':>8}{'bytes':>10}{'transform ms':>14}{'parse ms':>10}{'ratio':>8}{'records/s':>12}")
    for name, (body, media_type, count) in bodies(args.scale).items():
        source = SOURCES[name]
        answer = transform(name, body, media_type, mapper, source)
        if answer["rejected"] or len(answer["records"]) != count:  # a benchmark of rejections measures nothing
            print(f"{name}: {len(answer['rejected'])} rejected, first: {answer['rejected'][:1]}", file=sys.stderr)
            return 1
        spent = median_ms(lambda: transform(name, body, media_type, mapper, source), args.runs, clock)
        baseline = median_ms(lambda: plain_parse(body, media_type), args.runs, clock)
        print(f"{name:<20}{count:>8}{len(body):>10}{spent:>14.2f}{baseline:>10.3f}{spent / baseline:>7.0f}x"
              f"{count / spent * 1000:>12.0f}")
    print(f"ratio: transform time over {'json.loads' } (JSON) or csv.reader (CSV) of the same bytes, "
          f"median of {args.runs} runs, {args.clock} time; adapters: {len(ADAPTERS)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
