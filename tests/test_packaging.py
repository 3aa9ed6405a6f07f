"""A wheel built from the project holds everything `serve` and `specs` need, and the README's
configuration table names every variable the code reads."""
import json
import re
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
import requests

from sidecar.specs import openapi_document
from tests.conftest import sidecar_env

ROOT = Path(__file__).resolve().parent.parent
VARIABLE = re.compile(r"[\"']((?:SIDECAR|ODOO)_[A-Z0-9_]+)[\"']")  # quoted: a name looked up, not a constant


def test_readme_configuration_table_lists_every_variable_the_code_reads():
    read = {name for path in (ROOT / "sidecar").rglob("*.py") for name in VARIABLE.findall(path.read_text())}
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration"):]
    table = table[:table.index("\n## ", 1)]
    assert read and sorted(name for name in read if f"`{name}`" not in table) == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def wheel_python(tmp_path_factory):
    """A fresh venv with only the built wheel installed (its dependencies come from this venv)."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp / "dist")],
                   check=True, capture_output=True, timeout=300)
    [wheel] = (tmp / "dist").glob("*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp / "venv")], check=True, timeout=120)
    python = tmp / "venv" / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(site),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    # Dependencies only: a plain path entry, so this venv's editable hook for the checkout never loads.
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


@pytest.mark.slow
def test_specs_from_a_wheel(wheel_python, tmp_path):
    where = subprocess.run([str(wheel_python), "-c", "import sidecar; print(sidecar.__file__)"], cwd=tmp_path,
                           check=True, capture_output=True, text=True).stdout
    assert not where.startswith(str(ROOT))
    subprocess.run([str(wheel_python), "-m", "sidecar", "specs", "--output", "openapi.json"], cwd=tmp_path,
                   check=True, capture_output=True, timeout=60)
    assert json.loads((tmp_path / "openapi.json").read_text()) == openapi_document()


@pytest.mark.slow
def test_serve_from_a_wheel(wheel_python, tmp_path):
    port = _free_port()
    env = {**sidecar_env(tmp_path, "http://127.0.0.1:9"), "PATH": "/usr/bin:/bin", "SIDECAR_WORKERS": "1"}
    server = subprocess.Popen([str(wheel_python), "-m", "sidecar", "serve", "--bind", f"127.0.0.1:{port}"],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline, answer = time.monotonic() + 30, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except (requests.ConnectionError, requests.Timeout):  # gunicorn may accept before its worker booted
                time.sleep(0.2)
        assert answer is not None and answer.json() == {"status": "ok"}, server.stderr.read1().decode() \
            if server.poll() is not None else "no answer"
    finally:
        server.terminate()
        server.wait(timeout=30)
