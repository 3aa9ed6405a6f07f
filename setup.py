"""Build hook: the top-level node-specs/ (the contract's source of truth) ships inside the package,
so `sidecar specs` and the route checks work from a wheel. Metadata lives in pyproject.toml."""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithSpecs(build_py):
    """Copy node-specs/*.json to sidecar/node_specs/ in the build."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "sidecar" / "node_specs"
        self.mkpath(str(target))
        for spec in sorted(Path(__file__).parent.joinpath("node-specs").glob("*.json")):
            self.copy_file(str(spec), str(target / spec.name))


setup(cmdclass={"build_py": BuildPyWithSpecs})
