"""How long a `tandem` command takes beside `python -c pass` (the interpreter's own start), in
the same run: `tandem --help`, a group's help, and commands on the database (`users list`,
`sync status`) on a temporary SQLite database set up first (`db upgrade`, two users). Prints
figures and asserts nothing (issue 11, item 8: target <= 0.3 s beyond the floor).

    .venv/bin/python bench/cli_startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TANDEM = str(Path(sys.executable).parent / "tandem")


def best_and_median(command: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def database_environment(directory: Path) -> dict[str, str]:
    """A SQLite database in `directory`, brought to the newest schema, with two users."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env |= {
        "TANDEM_DATABASE_URL": f"sqlite:///{directory / 'tandem.db'}",
        "TANDEM_SECRET_KEY_FILE": str(directory / "key"),
    }
    subprocess.run([TANDEM, "db", "upgrade"], check=True, capture_output=True, env=env)
    for email, first in (("ann@example.com", "Ann"), ("ben@example.com", "Ben")):
        add = [TANDEM, "users", "add", email, "--first-name", first, "--last-name", "Bench"]
        subprocess.run(add, check=True, capture_output=True, env=env)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as directory:
        env = database_environment(Path(directory))
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "tandem --help": [TANDEM, "--help"],
            "tandem users --help": [TANDEM, "users", "--help"],
            "tandem users list": [TANDEM, "users", "list"],
            "tandem sync status": [TANDEM, "sync", "status"],
            "tandem calendar status": [TANDEM, "calendar", "status"],
        }
        shown = {name: best_and_median(command, runs, env) for name, command in commands.items()}
    floor = shown["python -c pass"][1]
    print(f"{'command':24} {'best s':>7} {'median s':>9} {'beyond floor s':>15} {'x floor':>8}   ({runs} runs each)")
    for name, (best, median) in shown.items():
        print(f"{name:24} {best:7.3f} {median:9.3f} {median - floor:15.3f} {median / floor:8.1f}")


if __name__ == "__main__":
    main()
