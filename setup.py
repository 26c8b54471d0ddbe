"""Build of fastnn: the package and its subpackages (found by name, so a new
subpackage needs no edit here), the benchmark suite of bench/ installed as
fastnn.bench, and two extensions compiled with -O3: fastnn._C (the Cython
bindings and the C kernels of csrc/, on fastnn's own POSIX-thread pool; linked
with OpenMP when the compiler has it, only to honour OpenMP's thread limits
as threadpoolctl sets them) and fastnn.bench._limits (the machine's FMA peak
and bandwidth).

The extensions carry no debug information and are stripped (a wheel of
well under 1 MB); the sdist carries the sources (MANIFEST.in) and builds
from the .pyx, not from a generated .c.

Environment:
  FASTNN_OPENMP=0   build without OpenMP (the kernels still run on fastnn's
                    pool; threadpoolctl then cannot limit them)
  FASTNN_NATIVE=1   add -march=native (opt-in; such a build only runs on CPUs
                    like the one that built it). The default build is portable:
                    the kernel table's entries (csrc/arch/<isa>/) are compiled
                    for their own targets and chosen at run time by CPU flags.
  FASTNN_REQUIRE_AVX512=1  fail the build if the compiler cannot build the
                    AVX-512 entry (CI sets it; otherwise the entry is left out
                    with a message)
  FASTNN_DEBUG=1    keep debug information and symbols (-g, not stripped)
  FASTNN_SANITIZE=1 build for AddressSanitizer and UndefinedBehaviorSanitizer
                    (-fsanitize=address,undefined -fno-sanitize-recover=undefined
                    -fno-omit-frame-pointer -g -O1, not stripped), for
                    .ci/sanitize: the extensions then need libasan preloaded
                    (LD_PRELOAD) to be imported by an uninstrumented Python
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

import numpy
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

OPENMP_PROBE = "#include <omp.h>\nint main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }\n"
# what csrc/arch/avx512/ needs of the compiler: the target attribute and the intrinsics
AVX512_PROBE = """#include <immintrin.h>
__attribute__((target("avx512f,avx2,fma"))) static float f(const float *p)
{ __m512 v = _mm512_maskz_loadu_ps((__mmask16)3, p); return _mm512_reduce_add_ps(v); }
int main(void) { float x[16] = {0}; return (int)f(x); }
"""


def compiler_accepts(compiler_cmd, flags, source):
    """True if the C compiler builds and links `source` with `flags`."""
    tmp = tempfile.mkdtemp()
    try:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write(source)
        cmd = list(compiler_cmd) + flags + [src, "-o", os.path.join(tmp, "probe")]
        return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    except OSError:
        return False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class BuildExt(build_ext):
    """Adds the optimisation and OpenMP flags the compiler supports."""

    def build_extensions(self):
        cc = self.compiler.compiler_so[:1] if hasattr(self.compiler, "compiler_so") else ["cc"]
        sanitize = os.environ.get("FASTNN_SANITIZE") == "1"
        # -ffp-contract=off: no a*b+c fused behind the code's back, so that a
        # loop compiled into several kernel-table entries rounds the same in each
        cflags = ["-O1" if sanitize else "-O3", "-fno-math-errno", "-ffp-contract=off",
                  "-Wno-unused-function"]
        if os.environ.get("FASTNN_NATIVE") == "1":
            cflags.append("-march=native")
        ldflags = []
        if sanitize:
            # compiled and linked alike; -g after Python's own CFLAGS, never -g0
            # nor -s: the reports need the symbols and line numbers
            san = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
                   "-fno-omit-frame-pointer", "-g"]
            cflags += san
            ldflags += san
        elif os.environ.get("FASTNN_DEBUG") == "1":
            cflags.append("-g")
        else:
            # Python's own CFLAGS say -g: the last -g level wins, and -s strips
            # the symbol table at link time
            cflags.append("-g0")
            if compiler_accepts(cc, ["-s"], "int main(void) { return 0; }\n"):
                ldflags.append("-s")
        if compiler_accepts(cc, ["-pthread"], "int main(void) { return 0; }\n"):
            cflags.append("-pthread")
            ldflags.append("-pthread")
        want_omp = os.environ.get("FASTNN_OPENMP", "1") != "0"
        if want_omp and compiler_accepts(cc, ["-fopenmp"], OPENMP_PROBE):
            cflags.append("-fopenmp")
            ldflags.append("-fopenmp")
        elif want_omp:
            print("fastnn: the compiler has no OpenMP; threadpoolctl will not limit fastnn's threads",
                  file=sys.stderr)
        defines = []
        if not compiler_accepts(cc, [], AVX512_PROBE):
            if os.environ.get("FASTNN_REQUIRE_AVX512") == "1":
                raise RuntimeError("fastnn: the compiler cannot build the AVX-512 kernels "
                                   "(FASTNN_REQUIRE_AVX512=1)")
            print("fastnn: the compiler cannot build the AVX-512 kernels; leaving them out",
                  file=sys.stderr)
            defines.append(("FNN_NO_AVX512", "1"))
        flags_text = " ".join(cflags)
        for ext in self.extensions:
            ext.extra_compile_args = cflags + ext.extra_compile_args
            ext.extra_link_args = ldflags + ext.extra_link_args
            ext.define_macros.append(("FNN_BUILD_FLAGS", '"%s"' % flags_text))
            ext.define_macros.extend(defines)
        super().build_extensions()


kernels = Extension(
    "fastnn._C",
    sources=["fastnn/_C.pyx"] + sorted(glob.glob("csrc/**/*.c", recursive=True)),
    include_dirs=["csrc", numpy.get_include()],
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    depends=sorted(glob.glob("csrc/**/*.h", recursive=True)) + sorted(glob.glob("fastnn/*.pxi")) + ["fastnn/_fastnn.pxd"],
)
limits = Extension("fastnn.bench._limits", sources=["bench/_limits.c"])

setup(
    packages=find_packages(include=["fastnn", "fastnn.*"]) + ["fastnn.bench"],
    package_dir={"fastnn.bench": "bench"},
    # type information for checkers (PEP 561): the marker and the extension's stub
    package_data={"fastnn": ["py.typed", "_C.pyi"]},
    ext_modules=cythonize(
        [kernels, limits],
        compiler_directives={
            "language_level": 3,
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "embedsignature": True,
        },
    ),
    cmdclass={"build_ext": BuildExt},
)
