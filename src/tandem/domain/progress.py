"""How long work tells where it is: `Progress(what, done, total)`, called as it goes.

    progress("customer", 200, 6796)   → 200 of 6,796 customers done

`what` names the step in a few words (the CLI shows it beside its bar); `done` only grows
for one `what`, and `total` is known from the start. Work that takes a `Progress` may be
given None, and then says nothing.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]


def quiet(_what: str, _done: int, _total: int) -> None:
    """A `Progress` that says nothing."""
