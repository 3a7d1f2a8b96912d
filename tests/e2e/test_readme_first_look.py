"""The README's "A first look" works as written: its shell block, run in a second terminal
beside `make run`, creates an API client, sets `$TOKEN` and lists the activities; and it
uses `tandem` as every other command in the README and docs/ does (issue 11, item 7)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.processes import environment, serving

README = Path(__file__).resolve().parents[2] / "README.md"
ACTIVATE = "source .venv/bin/activate"


def first_look_block() -> str:
    section = README.read_text().split("## A first look", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 1, "the first look has one shell block"
    return str(blocks[0])


def test_the_readme_first_look_sets_token_and_lists_the_demo_activities(tmp_path: Path) -> None:
    block = first_look_block()
    assert block.startswith(ACTIVATE)
    assert "TOKEN=" in block
    assert "$TOKEN" in block
    env = environment(f"sqlite:///{tmp_path / 'tandem.db'}", tmp_path, TANDEM_DEMO_ON_FIRST_START="true")
    with serving(env, tmp_path) as base:
        script = block.replace(ACTIVATE, ": activated").replace("localhost:8080", base)
        # what `source .venv/bin/activate` does for the commands that follow: the venv's bin first
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert listed, "the demo organisation's activities"
    assert {"guid", "name"} <= set(listed[0])


def test_the_readme_and_docs_run_tandem_one_way() -> None:
    texts = [README, *sorted((README.parent / "docs").glob("*.md"))]
    mixed = [str(path.name) for path in texts if ".venv/bin/tandem" in path.read_text()]
    assert mixed == []
