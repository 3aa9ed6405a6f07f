"""The n8n community node package (`n8n-nodes-odoo-governance`), generated from node-specs/."""
from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path

from sidecar.n8n_package import render
from sidecar.n8n_package.describe import resources
from sidecar.specs import load_specs

DEFAULT_OUT = Path(__file__).resolve().parent.parent.parent / "n8n-package"
# Kept by the generator: npm's lock for the build tools, and what a build leaves.
KEPT = {"package-lock.json", "node_modules", "dist"}
HEALTH_OPERATION = "getHealth"


def version() -> str:
    """The package follows the sidecar's version: a node speaks the contract of the same release."""
    return metadata.version("odoo-n8n-sidecar")


def files(specs: list[dict] | None = None) -> dict[str, str]:
    """Every file of the package: relative path -> text."""
    specs = load_specs() if specs is None else specs
    found = resources(specs)
    health = next(s["path"] for s in specs if s["operation"] == HEALTH_OPERATION)
    out = {
        "package.json": render.package_json(version()),
        "tsconfig.json": render.TSCONFIG,
        ".gitignore": render.GITIGNORE,
        "README.md": render.readme(found),
        f"credentials/{render.CREDENTIAL_CLASS}.credentials.ts": render.credential_file(health),
        f"{render.NODE_DIR}/{render.NODE_CLASS}.node.ts": render.node_file(found),
        f"{render.NODE_DIR}/{render.NODE_CLASS}.node.json": render.codex_file(),
        f"{render.NODE_DIR}/{render.NODE}.svg": render.ICON,
        f"{render.NODE_DIR}/{render.NODE}.dark.svg": render.ICON_DARK,
        "eslint.config.mjs": render.ESLINT_CONFIG,
    }
    for resource in found:
        out[f"{render.NODE_DIR}/resources/{resource.value}.ts"] = render.resource_file(resource)
    return dict(sorted(out.items()))


def generated(directory: Path) -> dict[str, str]:
    """What a directory holds of the package (build outputs and the lock left out)."""
    return {str(p.relative_to(directory)): p.read_text(encoding="utf-8") for p in sorted(directory.rglob("*"))
            if p.is_file() and not KEPT & set(p.relative_to(directory).parts)}


def write(out: Path = DEFAULT_OUT) -> list[str]:
    """Write the package into `out`: stale generated files removed, the lock and builds kept; what changed."""
    wanted = files()
    out.mkdir(parents=True, exist_ok=True)
    before = generated(out)
    for stale in set(before) - set(wanted):
        (out / stale).unlink()
    for path, text in wanted.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if before.get(path) != text:
            target.write_text(text, encoding="utf-8")
    for folder in sorted((p for p in out.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()) and not KEPT & set(folder.relative_to(out).parts):
            shutil.rmtree(folder)
    return sorted(p for p in set(before) | set(wanted) if before.get(p) != wanted.get(p))
