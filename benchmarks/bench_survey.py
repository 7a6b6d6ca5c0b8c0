"""Time the citizen survey as a user runs it: `survey import` and `survey score` of N respondents.

    python benchmarks/bench_survey.py [--n 3000] [--repeat K] [--json]

Makes a round and a synthetic export (`survey sample`, dirty rows included), then times in fresh
processes, K times: `survey import ROUND FILE` (read, match, clean, weight, score with a
1 000-resample bootstrap, store) followed by `survey score ROUND --json` (the cached result),
and for contrast the same import with population shares for three attributes (raking in every
resample). Prints medians; the target is import + score under 2 s for 3 000 respondents. The
bare start-up of `python -c pass` in the same run shows how loaded the machine is.
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

CLI = [sys.executable, "-m", "jinan_eval_gui.cli"]


def _wall(*commands: list[str]) -> float:
    start = time.perf_counter()
    for cmd in commands:
        subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    plain, weighted, bare = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-survey-") as tmp:
        rnd, export = Path(tmp) / "r.jeval", Path(tmp) / "s.csv"
        subprocess.run([*CLI, "new", str(rnd), "--year", "2025"], check=True,
                       capture_output=True)
        subprocess.run([*CLI, "survey", "sample", str(rnd), "--out", str(export), "--n",
                        str(args.n)], check=True, capture_output=True)
        for _ in range(args.repeat):
            plain.append(_wall([*CLI, "survey", "import", str(rnd), str(export)],
                               [*CLI, "survey", "score", str(rnd), "--json"]))
            bare.append(_wall([sys.executable, "-c", "pass"]))
        districts = ",".join(f"{d}:1" for d in ("历下区", "市中区", "槐荫区", "天桥区", "历城区",
                                                "长清区", "章丘区", "济阳区", "莱芜区", "钢城区",
                                                "平阴县", "商河县"))
        subprocess.run([*CLI, "survey", "shares", str(rnd), "--set", "性别=男:0.51,女:0.49",
                        "--set", "年龄段=18–29岁:22,30–39岁:21,40–49岁:19,50–59岁:18,60岁及以上:20",
                        "--set", f"区县={districts.replace(':1', ':8.333333')}"],
                       check=False, capture_output=True)
        for _ in range(args.repeat):
            weighted.append(_wall([*CLI, "survey", "import", str(rnd), str(export)],
                                  [*CLI, "survey", "score", str(rnd), "--json"]))
    figures = {"n": args.n, "import_score_s": round(statistics.median(plain), 2),
               "import_score_raked_s": round(statistics.median(weighted), 2),
               "python_start_s": round(statistics.median(bare), 3), "runs": args.repeat,
               "target_s": 2}
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"survey import + score of {args.n} respondents: median "
              f"{figures['import_score_s']} s (target < 2 s); with population shares for "
              f"three attributes (raking): {figures['import_score_raked_s']} s; bare python "
              f"start {figures['python_start_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
