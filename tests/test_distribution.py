"""The distribution that provides fastnn, read from the installed metadata:
its name (set once, in pyproject.toml), fastnn.__version__, what
`python -m fastnn info` says, and the install hints that name it."""
import importlib.metadata as md
import subprocess
import sys

import pytest

import fastnn
from fastnn import _dist


@pytest.fixture
def fresh_cache():
    _dist.providers.cache_clear()
    yield
    _dist.providers.cache_clear()


def test_the_version_and_name_come_from_the_metadata(fresh_cache):
    this = _dist.this()
    if not _dist.providers():
        pytest.skip("fastnn runs from a source tree that is not installed: no metadata")
    assert this.name != "fastnn", "the package index's 'fastnn' is another project"
    assert md.version(this.name) == this.version == fastnn.__version__
    assert fastnn.info()["version"] == fastnn.__version__
    assert fastnn.info()["distribution"].startswith(f"{this.name} {this.version}")


class _FakeDist(md.Distribution):
    """A distribution of the given name that installs a top-level `fastnn`."""

    def __init__(self, name, version):
        self._meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"

    def read_text(self, filename):
        return {"METADATA": self._meta, "top_level.txt": "fastnn\n"}.get(filename)

    def locate_file(self, path):
        return "/nowhere/" + str(path)


def test_several_distributions_claiming_fastnn_are_all_named(monkeypatch, fresh_cache):
    real = list(md.distributions())
    monkeypatch.setattr(md, "distributions", lambda: real + [_FakeDist("fastnn", "0.4.0")])
    other = _dist.Provider("fastnn", "0.4.0")
    found = _dist.providers()
    assert other in found
    assert "the package fastnn is also claimed by fastnn 0.4.0" in fastnn.info()["distribution"]
    if len(found) > 1:                  # installed: the one this fastnn came from comes first
        assert found[0] != other


def test_the_info_command_names_the_distribution():
    out = subprocess.run([sys.executable, "-m", "fastnn", "info"], capture_output=True,
                         text=True, timeout=120).stdout
    assert "distribution" in out and _dist.this().name in out


def test_hints_name_the_peer_and_the_extra(fresh_cache):
    hint = _dist.extra_hint("onnx")
    assert f'the extra "onnx" of {_dist.this().name}' in hint
