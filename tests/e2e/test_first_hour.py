"""docs/first-hour.md, walked as written (issue 11): every command of its ```sh blocks, in
order, in a fresh folder, with the project's `tandem` first on PATH.

Each line runs in bash in the folder the walk is in (`cd DIR` lines move the walk) and must
exit 0, or with the status its comment states (`# exit status 1: …`); a line ending in `&`
keeps running in the background until the walk ends. Two things differ from a newcomer's
shell, both said here and in the page: the block marked `<!-- first-hour: … -->` (`make run`,
which needs the repository's Makefile and holds the terminal) is `tandem serve` started in the
background with the settings the Makefile's `run` gives it; and free ports stand in for 8080,
8765 and 8766, so that the walk never meets another Tandem on this machine.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.processes import free_port, serving

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "first-hour.md"
BLOCK = re.compile(r"(?:<!-- first-hour: (?P<marker>.*?) -->\n)?```sh\n(?P<body>.*?)```", re.S)
STATUS = re.compile(r"#\s*exit status (\d+)")
ROW = re.compile(r"^│ (\w+)\s+│\s+(\d+)\s+│\s+(\d+)\s+│\s+(\d+)\s+│\s+(\d+)\s+│\s+(\d+)\s+│$", re.M)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Block:
    marker: str | None
    lines: tuple[str, ...]


def blocks(text: str) -> Iterator[Block]:
    for found in BLOCK.finditer(text):
        lines = tuple(line for line in found["body"].splitlines() if line.strip())
        yield Block(found["marker"], lines)


def table(output: str) -> dict[str, tuple[int, ...]]:
    """A run's table: entity -> created, updated, linked, excluded, failed."""
    return {m[1]: tuple(int(n) for n in m.groups()[1:]) for m in ROW.finditer(output)}


class Walk:
    def __init__(self, folder: Path, ports: dict[str, str]) -> None:
        self.cwd = folder
        self.ports = ports
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
        self.env |= {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{self.env['PATH']}", "COLUMNS": "200"}
        self.background: list[subprocess.Popen[bytes]] = []
        self.outputs: dict[str, str] = {}

    def line(self, line: str) -> None:
        for documented, free in self.ports.items():
            line = line.replace(documented, free)
        if line.startswith("cd "):
            self.cwd = (self.cwd / line[3:].strip()).resolve()
            assert self.cwd.is_dir(), line
            return
        if line.rstrip().endswith("&"):
            command = line.rstrip()[:-1]
            started = subprocess.Popen(["bash", "-c", command], cwd=self.cwd, env=self.env, start_new_session=True)
            self.background.append(started)
            return
        done = subprocess.run(
            ["bash", "-c", line], cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=300
        )
        wanted = STATUS.search(line)
        expected = int(wanted[1]) if wanted else 0
        assert done.returncode == expected, f"{line}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr, f"{line}\n{done.stderr}"
        self.outputs[line.split("#")[0].strip()] = done.stdout

    def stop(self) -> None:
        for started in self.background:
            os.killpg(started.pid, signal.SIGTERM)
            started.wait(10)


def sign_in(base: str, email: str, password: str) -> int:
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        page = client.get("/sign-in")
        token = CSRF.search(page.text)
        assert token is not None, page.text
        answer = client.post(
            "/sign-in", data={"csrf_token": token[1], "email": email, "password": password, "next": "/"}
        )
        return answer.status_code


def test_cal_2_erp_3_erp_7_the_first_hour_page_walks_from_make_run_to_an_erp_run(tmp_path: Path) -> None:
    page = PAGE.read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "TANDEM_DEMO_ON_FIRST_START" in makefile
    assert "TANDEM_DEMO_CALENDAR" in makefile
    assert "TANDEM_DEMO_ERP" in makefile
    assert "tandem serve" in makefile  # what the marked block stands for
    calendar_port, emulator_port = free_port(), free_port()
    walk = Walk(tmp_path, {"8766": str(emulator_port)})
    walked = list(blocks(page))
    assert sum(1 for b in walked if b.marker) == 1
    with ExitStack() as stack:
        stack.callback(walk.stop)
        for block in walked:
            if block.marker is not None:
                assert block.lines == ("make run",)
                env = walk.env | {
                    "TANDEM_DEMO_ON_FIRST_START": "true",
                    "TANDEM_DEMO_CALENDAR": "true",
                    "TANDEM_DEMO_CALENDAR_PORT": str(calendar_port),
                    "TANDEM_DEMO_ERP": "true",
                }
                base = stack.enter_context(serving(env, walk.cwd))  # on a free port of its own
                assert "/sign-in" in page
                assert "tandem-demo" in page
                assert sign_in(base, "aino.admin@example.com", "tandem-demo") == 303
                continue
            for line in block.lines:
                walk.line(line)

    dry, done = walk.outputs["tandem erp run --dry-run"], walk.outputs["tandem erp run"]
    assert table(done) == table(dry)  # the run did what the dry run said
    assert set(table(done)) == {"department", "product", "employee", "customer", "project", "invoice"}
    assert "Preflight PASSED" in walk.outputs["tandem erp preflight"]
    assert "The ERP integration is enabled." in walk.outputs["tandem erp enable"]
    assert "No key is used twice" in walk.outputs["tandem erp duplicates"]
