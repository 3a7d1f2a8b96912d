"""How long `tandem --help` takes beside `python -c pass` (the interpreter's own start), in
the same run. Prints figures and asserts nothing (issue 11, item 8: target <= 0.3 s).

    .venv/bin/python bench/cli_startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

TANDEM = str(Path(sys.executable).parent / "tandem")


def best_and_median(command: list[str], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    bare = best_and_median([sys.executable, "-c", "pass"], runs)
    shown = {
        "python -c pass": bare,
        "tandem --help": best_and_median([TANDEM, "--help"], runs),
        "tandem users --help": best_and_median([TANDEM, "users", "--help"], runs),
    }
    print(f"{'command':22} {'best s':>8} {'median s':>9} {'x python':>9}   ({runs} runs each)")
    for name, (best, median) in shown.items():
        print(f"{name:22} {best:8.3f} {median:9.3f} {median / bare[1]:9.1f}")


if __name__ == "__main__":
    main()
