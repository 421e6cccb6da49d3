"""Locate (or fetch) llama.cpp's gguf-py package for the reference scripts.

gguf-py is not vendored. It is taken, at test time, from the llama.cpp source bundle that ships inside
the pinned npm package node-llama-cpp (node_modules/node-llama-cpp/llama/gitRelease.bundle, ~35 MB; a
clone + checkout of just gguf-py takes ~1-3 s). The clone is cached in a build directory, never in the
source tree.

Resolution order:
  1. $GGUF_PY            - a directory that contains the `gguf` package (e.g. .../llama.cpp/gguf-py)
  2. <cache>/llama.cpp/gguf-py, where <cache> is the --cache argument or $HEARTH_REF_CACHE
     (default: <repo>/build/reference-cache); cloned from the bundle if missing.
The bundle is found via $NODE_LLAMA_CPP_DIR (a node_modules folder) or tests/reference/node_modules.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def default_cache() -> Path:
    return Path(os.environ.get("HEARTH_REF_CACHE") or (REPO / "build" / "reference-cache"))


def bundle_path() -> Path:
    nm = Path(os.environ.get("NODE_LLAMA_CPP_DIR") or (HERE / "node_modules"))
    return nm / "node-llama-cpp" / "llama" / "gitRelease.bundle"


def llama_src(cache: str | os.PathLike | None = None, paths=("gguf-py",)) -> Path:
    """Return a llama.cpp checkout (from the node-llama-cpp bundle) that contains at least `paths`."""
    root = Path(cache) if cache else default_cache()
    src = root / "llama.cpp"
    bundle = bundle_path()
    if not (src / ".git").exists():
        if not bundle.exists():
            raise SystemExit(f"gguf-py: llama.cpp bundle not found at {bundle} (run `make deps`, or set GGUF_PY)")
        root.mkdir(parents=True, exist_ok=True)
        tmp = root / f"llama.cpp.tmp{os.getpid()}"
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(bundle), str(tmp)], check=True)
        os.replace(tmp, src)
    missing = [p for p in paths if not (src / p).exists()]
    if missing:
        subprocess.run(["git", "-C", str(src), "-c", "advice.detachedHead=false", "checkout", "-q", "HEAD", "--", *missing],
                       check=True)
    return src


def import_gguf(cache: str | os.PathLike | None = None):
    d = os.environ.get("GGUF_PY")
    if not d:
        d = str(llama_src(cache) / "gguf-py")
    if d not in sys.path:
        sys.path.insert(0, d)
    import logging
    logging.getLogger("gguf").setLevel(logging.WARNING)
    import gguf  # noqa: E402
    return gguf


if __name__ == "__main__":
    # `python3 gguf_py.py [CACHE] [PATH...]`: make sure the checkout exists, print its directory.
    cache = sys.argv[1] if len(sys.argv) > 1 else None
    extra = tuple(sys.argv[2:]) or ("gguf-py",)
    print(llama_src(cache, extra))
