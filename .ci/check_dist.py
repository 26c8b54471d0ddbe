"""Checks the sdist and the wheel that `python -m build` made, as a user gets them.

    python .ci/check_dist.py SOURCE_TREE DIST_DIR

The wheel must hold every package of the source tree (each folder of fastnn/
with an __init__.py, and bench/ as fastnn.bench), its two extensions, no
build sources (.pyx .pxi .pxd .c .h) and no debug information or symbol
table in the extensions; it must stay under 1.25 MB, and under 3 MB installed
(the extension is 1.7 MB of it: five kernel-table entries; the Python layer,
with distributed, d2l, the PyTorch-name tables and the scikit-learn
estimators, ~0.5 MB).
The sdist must hold what a build and the tests need (.pyx, .pxi, .pxd,
csrc/, bench/, tests/, README, LICENSE) and no generated _C.c.
Prints what it found; exits 1 on the first list of problems.
"""
import glob
import os
import subprocess
import sys
import tarfile
import zipfile

BUILD_SOURCES = (".pyx", ".pxi", ".pxd", ".c", ".h", ".cpp")
WHEEL_LIMIT, INSTALLED_LIMIT = 5 << 18, 3 << 20


def source_packages(tree):
    """Package folders as they appear in the wheel (fastnn/..., fastnn/bench)."""
    found = []
    for folder, dirs, files in os.walk(os.path.join(tree, "fastnn")):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        if "__init__.py" in files:
            found.append(os.path.relpath(folder, tree).replace(os.sep, "/"))
    return sorted(found + ["fastnn/bench"])


def elf_problems(name, data, tmp):
    """Debug sections or a symbol table left in an extension."""
    path = os.path.join(tmp, os.path.basename(name))
    with open(path, "wb") as f:
        f.write(data)
    out = subprocess.run(["readelf", "-S", "--wide", path], capture_output=True, text=True).stdout
    return [f"{name}: has section {s}" for s in (".debug_info", ".debug_line", ".symtab")
            if f" {s} " in out]


def check_wheel(tree, wheel, tmp):
    problems = []
    with zipfile.ZipFile(wheel) as z:
        infos = z.infolist()
        names = [i.filename for i in infos]
        installed = sum(i.file_size for i in infos)
        for pkg in source_packages(tree):
            if f"{pkg}/__init__.py" not in names:
                problems.append(f"package {pkg} is missing")
        for ext in ("fastnn/_C.", "fastnn/bench/_limits."):
            if not any(n.startswith(ext) and n.endswith(".so") for n in names):
                problems.append(f"extension {ext}*.so is missing")
        problems += [f"build source shipped: {n}" for n in names if n.endswith(BUILD_SOURCES)]
        problems += [f"type information missing: {n}" for n in ("fastnn/py.typed", "fastnn/_C.pyi")
                     if n not in names]
        for n in names:
            if n.endswith(".so") or ".so." in n:
                problems += elf_problems(n, z.read(n), tmp)
    size = os.path.getsize(wheel)
    print(f"wheel {os.path.basename(wheel)}: {len(names)} files, {size / 1e6:.2f} MB, "
          f"{installed / 1e6:.2f} MB installed")
    print("  packages: " + ", ".join(sorted({os.path.dirname(n) for n in names
                                              if n.endswith("__init__.py")})))
    if size > WHEEL_LIMIT:
        problems.append(f"wheel is {size} bytes, over {WHEEL_LIMIT}")
    if installed > INSTALLED_LIMIT:
        problems.append(f"installed size is {installed} bytes, over {INSTALLED_LIMIT}")
    return problems


def check_sdist(sdist):
    with tarfile.open(sdist) as t:
        names = ["/".join(n.split("/")[1:]) for n in t.getnames()]
    print(f"sdist {os.path.basename(sdist)}: {len(names)} entries, "
          f"{os.path.getsize(sdist) / 1e6:.2f} MB")
    problems = []
    for need in ("fastnn/_C.pyx", "fastnn/_fastnn.pxd", "README.md", "LICENSE", "setup.py",
                 "pyproject.toml", "MANIFEST.in", "tests/conftest.py", "bench/_limits.c",
                 "bench/__init__.py", "fastnn/nn/__init__.py", "fastnn/optim/__init__.py"):
        if need not in names:
            problems.append(f"sdist lacks {need}")
    for kind, prefix, suffix in (("pxi", "fastnn/", ".pxi"), ("csrc .c", "csrc/", ".c"),
                                 ("csrc .h", "csrc/", ".h"), ("test", "tests/test_", ".py")):
        if not any(n.startswith(prefix) and n.endswith(suffix) for n in names):
            problems.append(f"sdist has no {kind} file")
    if "fastnn/_C.c" in names:
        problems.append("sdist ships the generated fastnn/_C.c (it must build from the .pyx)")
    return problems


def main(tree, dist):
    import tempfile
    wheels = glob.glob(os.path.join(dist, "*.whl"))
    sdists = glob.glob(os.path.join(dist, "*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        print(f"want one wheel and one sdist in {dist}, found {wheels + sdists}")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        problems = check_wheel(tree, wheels[0], tmp) + check_sdist(sdists[0])
    for p in problems:
        print("PROBLEM:", p)
    print("distribution checks: " + ("failed" if problems else "passed"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
