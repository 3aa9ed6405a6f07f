"""`python -m sidecar mapping import|list`: the API's CSV import and listing from the command line."""
from __future__ import annotations

import json

import pytest

from tests.conftest import sidecar_env
from tests.support.mapping_seed import MappingSeed
from tests.test_cli import run_cli


@pytest.fixture
def env(tmp_path, odoo_target):
    return sidecar_env(tmp_path, odoo_target.url, odoo_target.db, odoo_target.login, odoo_target.password)


def test_import_dry_run_then_for_real_then_list(tmp_path, env, odoo_seed):
    odoo = MappingSeed(odoo_seed)
    partner = odoo.partner()
    path = tmp_path / "partners.csv"
    path.write_bytes(f"\ufeffexternal_id,partner_id\ncust-1,{partner}\n".encode())
    dry = run_cli(env, "mapping", "import", "--kind", "partners", str(path), "--source", "shop-eu", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["created"] == 1
    assert json.loads(run_cli(env, "mapping", "list", "--kind", "partners").stdout)["items"] == []
    done = run_cli(env, "mapping", "import", "--kind", "partners", str(path), "--source", "shop-eu")
    assert done.returncode == 0, done.stderr
    [item] = json.loads(run_cli(env, "mapping", "list", "--kind", "partners", "--source", "shop-eu").stdout)["items"]
    expected = odoo_seed.read("res.partner", [partner], ["display_name"])[0]["display_name"]
    assert (item["external_id"], item["partner_id"], item["name"], item["updated_by"]) == \
        ("cust-1", partner, expected, "cli")


def test_a_bad_file_lists_every_bad_row_and_stores_nothing(tmp_path, env, odoo_seed):
    missing = MappingSeed(odoo_seed).missing_id("res.partner")
    path = tmp_path / "partners.csv"
    path.write_text(f"source,external_id,partner_id\nshop-eu,a,x\nshop-eu,b,{missing}\n")
    shape = run_cli(env, "mapping", "import", "--kind", "partners", str(path))
    assert shape.returncode == 1 and "invalid_payload" in shape.stderr and '"row": 2' in shape.stderr
    path.write_text(f"source,external_id,partner_id\nshop-eu,b,{missing}\n")
    odoo = run_cli(env, "mapping", "import", "--kind", "partners", str(path))
    assert odoo.returncode == 1 and "mapping_rejected" in odoo.stderr and f"res.partner {missing}" in odoo.stderr
    latin = tmp_path / "latin.csv"
    latin.write_bytes("source,external_id,partner_id\nshop-eu,Jos\u00e9,1\n".encode("latin-1"))
    refused = run_cli(env, "mapping", "import", "--kind", "partners", str(latin))
    assert refused.returncode == 1 and "csv_encoding" in refused.stderr and "Traceback" not in refused.stderr
    assert "--charset windows-1252" in refused.stderr  # how to declare it, here
    assert json.loads(run_cli(env, "mapping", "list", "--kind", "partners").stdout)["items"] == []
    assert run_cli(env, "mapping", "import", "--kind", "partners", str(tmp_path / "none.csv")).returncode == 2


def test_a_declared_charset_is_read_as_written(tmp_path, env, odoo_seed):
    partner = MappingSeed(odoo_seed).partner()
    latin = tmp_path / "latin.csv"
    latin.write_bytes(f"source,external_id,partner_id\nshop-eu,Jos\u00e9,{partner}\n".encode("latin-1"))
    done = run_cli(env, "mapping", "import", "--kind", "partners", str(latin), "--charset", "iso-8859-1")
    assert done.returncode == 0, done.stderr
    [item] = json.loads(run_cli(env, "mapping", "list", "--kind", "partners").stdout)["items"]
    assert item["external_id"] == "Jos\u00e9"
    unknown = run_cli(env, "mapping", "import", "--kind", "partners", str(latin), "--charset", "ebcdic")
    assert unknown.returncode == 1 and "unsupported_media_type" in unknown.stderr
