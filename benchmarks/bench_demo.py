"""Time `jinan-eval demo` (the whole pipeline on synthetic data) in fresh processes.

    python benchmarks/bench_demo.py [--repeat K] [--json]

Prints the median wall time of K runs (target: under 15 s on the 2-core machine) and, for
scale in the same run, the median start-up of a bare `python -c pass`, so a loaded machine
shows as such.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    demo, bare = [], []
    for n in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
            out = Path(tmp) / f"run{n}"
            demo.append(_wall([sys.executable, "-m", "jinan_eval_gui.cli", "demo", "--out",
                               str(out)]))
        bare.append(_wall([sys.executable, "-c", "pass"]))
    figures = {"demo_s": round(statistics.median(demo), 2),
               "python_start_s": round(statistics.median(bare), 3), "runs": len(demo),
               "target_s": 15}
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"jinan-eval demo: median {figures['demo_s']} s over {len(demo)} runs "
              f"(target < 15 s); bare python start {figures['python_start_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
