"""Build hook: the top-level node-specs/ (the contract's source of truth) ships inside the package,
so `sidecar specs` and the route checks work from a wheel. Metadata lives in pyproject.toml."""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithSpecs(build_py):
    """Copy node-specs/ (operations and their shared schemas/) to sidecar/node_specs/ in the build."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "sidecar" / "node_specs"
        self.mkpath(str(target))
        source = Path(__file__).parent / "node-specs"
        for spec in sorted(source.rglob("*.json")):
            destination = target / spec.relative_to(source)
            self.mkpath(str(destination.parent))
            self.copy_file(str(spec), str(destination))


setup(cmdclass={"build_py": BuildPyWithSpecs})
