"""Fuzzing every adapter: no input gives a 500. Samples with one value swapped for a hostile one, random JSON,
random bytes as CSV; each answer accounts for every record, and every accepted record is valid."""
import json
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sidecar import contracts
from sidecar.adapters import ADAPTERS, transform
from sidecar.errors import SidecarError
from tests.support.adapter_mapping import sample_mapper

SAMPLES = Path(__file__).parent / "samples" / "adapters"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6")) * 25  # quick by default; FUZZ_EXAMPLES=500 for a long run
SOURCES = ["shop-eu", "shop-us", "easypost", "acme-supplies", "wms-main", "pos-store-12"]
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))

HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10 ** 40), max_value=10 ** 40),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30),
    st.sampled_from(["NaN", "Infinity", "-1", "0", "1e308", "9" * 50, "2026-02-30", "20261332", "\u0000", "",
                     "EA", "CS", "PL", "KG", "DZ", "ET", "O", "S", "I", "snapshot", "delta", "x" * 5000]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=30)
JSON_SAMPLES = [(p.parent.name, json.loads(p.read_text())) for p in sorted(SAMPLES.glob("*/*.json"))]
CSV_SAMPLES = [(p.parent.name, p.read_bytes()) for p in sorted(SAMPLES.glob("*/*.csv"))]


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, path + (index,))


def _replace(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    return [_replace(item, rest, new) if index == head else item for index, item in enumerate(value)]


def check(adapter: str, body: bytes, media_type: str, source: str) -> None:
    try:
        answer = transform(adapter, body, media_type, sample_mapper(), source)
    except SidecarError as err:  # the body as a whole: a clear 4xx
        assert 400 <= err.status < 500 and err.message, (err.status, err.code)
        return
    indexes = sorted([r["index"] for r in answer["records"]] + [r["index"] for r in answer["rejected"]])
    assert indexes == list(range(len(indexes)))
    for item in answer["records"]:
        assert contracts.problems(ADAPTERS[adapter].canonical, item["record"]) == []
    for item in answer["rejected"]:
        assert item["error"]["code"] and item["error"]["message"]
    json.dumps(answer, allow_nan=False)  # what the API would send is JSON


@FUZZ
@given(st.sampled_from(JSON_SAMPLES), st.data(), HOSTILE, st.sampled_from(SOURCES))
def test_a_sample_with_one_hostile_value(choice, data, value, source):
    adapter, document = choice
    path = data.draw(st.sampled_from(list(_paths(document))))
    check(adapter, json.dumps(_replace(document, path, value)).encode(), "application/json", source)


@FUZZ
@given(st.sampled_from(sorted(ADAPTERS)), JSON_VALUES, st.sampled_from(SOURCES))
def test_random_json(adapter, document, source):
    check(adapter, json.dumps(document).encode(), "application/json", source)


@FUZZ
@given(st.sampled_from(CSV_SAMPLES), st.data(), st.sampled_from(SOURCES))
def test_a_csv_sample_cut_or_with_bytes_changed(choice, data, source):
    adapter, body = choice
    cut = data.draw(st.integers(min_value=0, max_value=len(body)))
    at = data.draw(st.integers(min_value=0, max_value=len(body)))
    inserted = data.draw(st.binary(max_size=8) | st.sampled_from([b",", b";", b"\"", b"\n", b"\r", b"\x00", b"\xff"]))
    mutated = data.draw(st.sampled_from([body[:cut], body[:at] + inserted + body[at:]]))
    charset = data.draw(st.sampled_from(["", "; charset=utf-8", "; charset=windows-1252", "; charset=utf-16"]))
    check(adapter, mutated, "text/csv" + charset, source)


@FUZZ
@given(st.sampled_from(sorted(ADAPTERS)), st.binary(max_size=200),
       st.sampled_from(["application/json", "text/csv", "text/csv; charset=utf-16", "text/plain", ""]))
def test_random_bytes(adapter, body, media_type):
    check(adapter, body, media_type, "acme-supplies")
