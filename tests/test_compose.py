"""The full-stack compose file (docker-compose.yml), checked without a Docker daemon: interpolated
with .env.example the way `docker compose config` does, validated against the Compose
Specification's JSON schema (tests/data/compose-spec.json, from compose-spec/compose-spec), and
held to the stack's rules: every service, health checks, named volumes, n8n in queue mode, and no
secret written in the file."""
from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
SCHEMA = ROOT / "tests" / "data" / "compose-spec.json"
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}; $$ is a literal $.
REFERENCE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|_KEY$|_KEYS$|TOKEN")


def env_example() -> dict:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def interpolate(text: str, env: dict) -> str:
    def one(match):
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.groups()
        value = env.get(name)
        if op in (":-", "-"):
            return value if value or (op == "-" and value is not None) else arg
        if op in (":?", "?") and not value:
            raise KeyError(f"{name}: {arg}")
        return value or ""
    return REFERENCE.sub(one, text)


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load(interpolate(COMPOSE.read_text(), env_example()))


def test_the_file_interpolated_with_the_example_env_is_a_valid_compose_file(config):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(config), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_refuses_what_compose_refuses(config):
    """The validation can fail: an unknown key and an unknown dependency condition are errors."""
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    broken = json.loads(json.dumps(config))
    broken["services"]["sidecar"]["depends_on"]["odoo"]["condition"] = "whenever"
    broken["services"]["sidecar"]["restart_policy"] = "always"
    assert len(list(validator.iter_errors(broken))) >= 2


def test_every_required_variable_is_in_the_example_and_nothing_else_is_needed():
    text = COMPOSE.read_text()
    example = env_example()
    required = {m.group(1) for m in REFERENCE.finditer(text) if m.group(2) in (":?", "?")}
    optional = {m.group(1) for m in REFERENCE.finditer(text) if m.group(2) in (":-", "-")}
    bare = {m.group(1) for m in REFERENCE.finditer(text) if m.group(1) and not m.group(2)}
    assert required and required <= example.keys(), required - example.keys()
    assert not bare, f"references without a default or an error message: {bare}"
    assert not {name for name in optional if SECRET_NAME.search(name)}, "a secret with a default"
    with pytest.raises(KeyError, match="N8N_ENCRYPTION_KEY"):
        interpolate(text, {k: v for k, v in example.items() if k != "N8N_ENCRYPTION_KEY"})


def test_the_stack_has_its_services_each_with_a_health_check(config):
    services = config["services"]
    assert set(services) == {"postgres", "redis", "odoo", "n8n", "n8n-worker", "sidecar", "sidecar-worker"}
    assert services["odoo"]["image"] == "odoo:17"
    assert services["odoo"]["environment"]["HOST"] == "postgres"
    assert services["sidecar"]["build"] == "." and services["sidecar"]["command"][-1] == "serve"
    assert services["sidecar-worker"]["image"] == services["sidecar"]["image"]
    assert services["sidecar-worker"]["command"][-1] == "worker"
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
        for dependency, how in service.get("depends_on", {}).items():
            assert how["condition"] == "service_healthy", (name, dependency)
            assert "healthcheck" in services[dependency], (name, dependency)


def test_n8n_runs_in_queue_mode_with_workers_on_redis_and_postgresql(config):
    main, worker = config["services"]["n8n"], config["services"]["n8n-worker"]
    assert worker["command"][0] == "worker" and worker["image"] == main["image"]
    for service in (main, worker):
        env = service["environment"]
        assert env["EXECUTIONS_MODE"] == "queue"
        assert (env["QUEUE_BULL_REDIS_HOST"], env["DB_TYPE"], env["DB_POSTGRESDB_HOST"]) == \
            ("redis", "postgresdb", "postgres")
    assert main["environment"]["N8N_ENCRYPTION_KEY"] == worker["environment"]["N8N_ENCRYPTION_KEY"]


def test_data_lives_in_named_volumes(config):
    declared = set(config["volumes"])
    used = set()
    for name, service in config["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                used.add(source)
    assert used == declared == {"postgres-data", "redis-data", "odoo-data", "n8n-data", "sidecar-data"}
    for name in ("postgres", "redis", "odoo", "n8n", "sidecar"):
        assert any(v.split(":")[0] in declared for v in config["services"][name]["volumes"]), name


def test_no_secret_is_written_in_the_file(raw):
    """Every secret-named setting is a reference to .env, with no default to fall back on."""
    checked = 0
    for name, service in raw["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key) and key != "N8N_BLOCK_ENV_ACCESS_IN_NODE":
                checked += 1
                assert re.fullmatch(r"\$\{[A-Z0-9_]+:\?[^}]*\}", str(value)), (name, key, value)
    assert checked >= 10
    for key, value in env_example().items():
        if SECRET_NAME.search(key):
            assert "change-me" in value, f".env.example holds a real-looking {key}"
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def test_the_sidecar_image_runs_as_a_non_root_user():
    lines = [line.split() for line in (ROOT / "Dockerfile").read_text().splitlines() if line.strip()]
    users = [line[1] for line in lines if line[0] == "USER"]
    assert users and users[-1] not in ("root", "0")
