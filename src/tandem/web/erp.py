"""Admin → ERP (ERP-1, ERP-3, ERP-4, ERP-5, ERP-6, ERP-7): what `tandem erp status|preflight|
run|enable|disable` do, through the same `ErpIntegration` and state store, on a page; and
the integration's rules (entities transferred, masters, what is created where, Group-field
exclusions, invoices), edited here.

Rules saved here are kept in the hub's database and replace tandem.toml's as a whole
(`runtime.erp.settings.rules_in_force`): every run reads them when it starts, in this
process, the worker process and `tandem erp`, so a dry run right after a save applies
them. "Use tandem.toml's rules" removes them again. No ERP password ever reaches a page:
the database URL is shown with it hidden, and errors pass through `hide_secrets`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import anyio
import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request, Response

from tandem.domain.erp import GROUP_FIELDS, FindingKind, RunReport, Side
from tandem.erp import PreflightReport
from tandem.runtime.erp import ErpIntegration, PreflightFailed, SavedRules
from tandem.runtime.erp.text import shown_url
from tandem.store.erp_state import RunEntry
from tandem.web import access
from tandem.web.access import Visit
from tandem.web.context import ErpWiring, WebContext, web
from tandem.web.erp_rules import FORM, RuleRow, read_form, rule_rows, typed_rows
from tandem.web.erp_work import BUSY, ErpWork, Outcome, Running
from tandem.web.forms import form
from tandem.web.pages import go, page

router = APIRouter(include_in_schema=False)

PAGE = "/admin/erp"
HISTORY = 20
"""Runs shown in the history (the store keeps the last 2000)."""
NOT_CONFIGURED = (
    "The ERP is not configured: set database_url under [erp] in tandem.toml (or TANDEM_ERP__DATABASE_URL) "
    "to the Visma Business database, and restart Tandem."
)
DONE = {
    "started": "The run has started. This page shows its result when it ends.",
    "ended": "The run has ended: its result is below.",
    "on": "The ERP integration is enabled: scheduled runs go on while it is.",
    "forced": "The ERP integration is enabled despite the preflight's blocking problems.",
    "off": "The ERP integration is disabled: no scheduled runs. Links and history are kept.",
    "rules": "The rules are saved: every run from now on applies them, a dry run included.",
    "toml": "tandem.toml's rules apply again: the rules saved here are removed.",
}
MASTERS = {Side.PSA: "the PSA", Side.ERP: "the ERP", Side.BOTH: "both ways"}
WHAT = {
    FindingKind.CUSTOMER_SERIES_OVERLAP: "Customer number series overlap",
    FindingKind.INVOICE_SERIES_OVERLAP: "Invoice number series overlap",
    FindingKind.DUPLICATE_KEY: "Duplicate key",
    FindingKind.MISSING_KEY: "Record without a key",
    FindingKind.NAME_MISMATCH: "Same key, different names",
    FindingKind.EQUAL_NAME_DIFFERENT_KEY: "Same name, different keys",
    FindingKind.EMPLOYEE_WITHOUT_EMAIL: "Employee without an email",
    FindingKind.RENUMBERED: "Renumbered since linking",
    FindingKind.UNFIT_KEY: "Key the other side cannot hold",
    FindingKind.CANNOT_CREATE: "Cannot create records",
}
FIX = {
    FindingKind.CUSTOMER_SERIES_OVERLAP: "Set the PSA's next customer number above every ERP customer-number series.",
    FindingKind.INVOICE_SERIES_OVERLAP: "Set the PSA's next invoice number above every ERP voucher series.",
    FindingKind.DUPLICATE_KEY: "Give one of the two records another number or code; neither transfers until then.",
    FindingKind.MISSING_KEY: "Give the record a number or code; until then it is left alone.",
    FindingKind.NAME_MISMATCH: "Nothing to do if they are the same record: they link, and the name follows the master.",
    FindingKind.EQUAL_NAME_DIFFERENT_KEY: (
        "Decide whether they are one record: if so, give both the same number; neither is copied until then."
    ),
    FindingKind.EMPLOYEE_WITHOUT_EMAIL: "Add the employee's email in the ERP, or leave them out of the PSA.",
    FindingKind.RENUMBERED: "Give the record its old number back; a renumbered record is left alone.",
    FindingKind.UNFIT_KEY: "Give the record a key the other side takes (a positive number for an ERP employee).",
    FindingKind.CANNOT_CREATE: "Give the setting named a value that exists; until then every such record fails.",
}
"""The fix in words for each finding (docs/erp.md, *What the preflight checks*)."""


@dataclass(frozen=True, slots=True)
class FindingRow:
    blocking: bool
    what: str
    entity: str
    keys: str
    message: str
    fix: str


@dataclass(frozen=True, slots=True)
class HistoryRow:
    started: str
    finished: str
    report: RunReport | None
    error: str | None


@dataclass(frozen=True, slots=True)
class ErpView:
    """What the page shows: never the ERP's password."""

    configured: bool
    database: str | None
    enabled: bool
    scheduled: bool
    interval_s: float
    rules: list[RuleRow]
    transfer_invoices: bool
    saved: SavedRules | None
    """The rules saved on this page (who, when); None: tandem.toml's apply."""
    running: Running | None
    last: Outcome | None
    history: list[HistoryRow]


@dataclass
class Shown:
    """The page's forms as shown again: messages beside fields, what was chosen, the preflight."""

    errors: dict[str, str] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)
    preflight: list[FindingRow] | None = None
    report: PreflightReport | None = None
    done: str | None = None


def hide_secrets(url: str | None) -> Callable[[str], str]:
    """A function that takes the ERP URL's password (and the URL itself) out of a text."""
    secrets: list[tuple[str, str]] = []
    if url:
        secrets.append((url, shown_url(url)))
        try:
            password = sa.make_url(url).password
        except sa.exc.ArgumentError:
            password = None
        if password:
            secrets.append((str(password), "***"))

    def hide(text: str) -> str:
        for secret, shown in secrets:
            text = text.replace(secret, shown)
        return text

    return hide


def when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _wiring(context: WebContext) -> tuple[ErpWiring, ErpWork]:
    assert context.erp is not None  # `bootstrap` wires both
    assert context.erp_work is not None
    return context.erp, context.erp_work


def _history(wiring: ErpWiring, hide: Callable[[str], str]) -> tuple[bool, list[HistoryRow]]:
    store = wiring.state()
    entries: list[RunEntry] = list(store.run_log(HISTORY))
    rows = [
        HistoryRow(when(e.started_at), when(e.finished_at), e.report, hide(e.error) if e.error else None)
        for e in entries
    ]
    return store.is_enabled(), rows


def _view(context: WebContext, typed: dict[str, str]) -> ErpView:
    wiring, work = _wiring(context)
    settings = wiring.settings
    enabled, history = _history(wiring, hide_secrets(settings.database_url))
    rules, saved = wiring.rules()
    refused = typed.get("form") == FORM
    return ErpView(
        configured=bool(settings.database_url),
        database=shown_url(settings.database_url) if settings.database_url else None,
        enabled=enabled,
        scheduled=settings.enabled,
        interval_s=settings.interval_s,
        rules=typed_rows(typed) if refused else rule_rows(rules),
        transfer_invoices=typed.get("transfer_invoices") == "on" if refused else rules.transfer_invoices,
        saved=saved,
        running=work.running,
        last=work.last,
        history=history,
    )


def findings(report: PreflightReport) -> list[FindingRow]:
    """The preflight's findings, blocking ones first, each with its fix in words and the
    command or setting the preflight names for it."""
    return [
        FindingRow(
            blocking=f in report.blocking,
            what=WHAT[f.ref.kind],
            entity=f.ref.entity.value if f.ref.entity else "",
            keys=" / ".join(f.ref.keys),
            message=f.message[:1].upper() + f.message[1:],
            fix=FIX[f.ref.kind] + (f" {f.fix[:1].upper()}{f.fix[1:]}" if f.fix else ""),
        )
        for f in (*report.blocking, *report.warnings)
    ]


def _show(request: Request, seen: Visit, shown: Shown, status: int = 200, view: ErpView | None = None) -> Response:
    view = view or _view(web(request), shown.typed)
    return page(
        request,
        seen,
        "admin_erp.html",
        status,
        view=view,
        shown=shown,
        when=when,
        masters=MASTERS,
        group_fields=GROUP_FIELDS,
    )


async def _answer(request: Request, seen: Visit, shown: Shown, status: int) -> Response:
    """The page again, read in a worker thread (the history is a database read)."""
    return await anyio.to_thread.run_sync(lambda: _show(request, seen, shown, status))


@router.get(PAGE)
def erp_page(request: Request, done: str = "", seen: Visit = Depends(access.admin)) -> Response:
    view = _view(web(request), {})  # read once: a run ending between two reads left "started" without its reload
    if done == "started" and view.running is None:
        done = "ended"
    return _show(request, seen, Shown(done=DONE.get(done)), view=view)


@router.post("/admin/erp/preflight")
async def run_preflight(
    request: Request, seen: Visit = Depends(access.admin), _: dict[str, str] = Depends(form)
) -> Response:
    """ERP-3: `tandem erp preflight` on the page; it only reads."""
    context = web(request)
    wiring, work = _wiring(context)
    if not wiring.settings.database_url:
        return await _answer(request, seen, Shown(errors={"preflight": NOT_CONFIGURED}), 409)
    result = await anyio.to_thread.run_sync(_exclusive, work, lambda i: i.preflight(datetime.now(UTC)))
    if isinstance(result, str):
        return await _answer(request, seen, Shown(errors={"preflight": result}), 409)
    return await _answer(request, seen, Shown(preflight=findings(result), report=result), 200)


def _exclusive(work: ErpWork, task: Callable[[ErpIntegration], PreflightReport]) -> PreflightReport | str:
    """`task` on the integration, or what to tell the admin instead (busy, or it failed)."""
    try:
        result = work.exclusive(task)
    except PreflightFailed:
        raise
    except Exception as error:  # the ERP unreachable, a table name wrong: said on the page
        return f"The ERP could not be read: {work.describe(error)}"
    if result is BUSY:
        return _busy(work.running)
    return result


def _busy(running: Running | None) -> str:
    if running is None:
        return "Other ERP work is going (a preflight or enabling); try again in a moment."
    kind = "A dry run" if running.dry_run else "A run"
    return f"{kind} is already going (started {when(running.started_at)}); wait for it to end."


@router.post("/admin/erp/run")
def run_now(request: Request, seen: Visit = Depends(access.admin), sent: dict[str, str] = Depends(form)) -> Response:
    """ERP-7: `tandem erp run [--dry-run]`, in a thread of its own; never two at once."""
    mode = sent.get("mode", "")
    typed = {"mode": mode}
    if mode not in ("dry", "real"):
        return _show(request, seen, Shown(errors={"mode": "Choose a dry run or a real run."}, typed=typed), 400)
    wiring, work = _wiring(web(request))
    if not wiring.settings.database_url:
        return _show(request, seen, Shown(errors={"run": NOT_CONFIGURED}, typed=typed), 409)
    if not work.start_run(dry_run=mode == "dry"):
        return _show(request, seen, Shown(errors={"run": _busy(work.running)}, typed=typed), 409)
    return go(request, seen, f"{PAGE}?done=started")


@router.post("/admin/erp/enabled")
async def switch(
    request: Request, seen: Visit = Depends(access.admin), sent: dict[str, str] = Depends(form)
) -> Response:
    """`tandem erp enable [--force]` / `tandem erp disable`: enabling runs the preflight first
    and is refused when it fails, unless forced (ERP-3)."""
    wanted, force = sent.get("enabled", ""), sent.get("force", "") == "on"
    if wanted not in ("on", "off"):
        return await _answer(request, seen, Shown(errors={"enabled": "Choose on or off."}), 400)
    wiring, work = _wiring(web(request))
    if wanted == "off":
        await anyio.to_thread.run_sync(lambda: wiring.state().set_enabled(False))
        return go(request, seen, f"{PAGE}?done=off")
    if not wiring.settings.database_url:
        return await _answer(request, seen, Shown(errors={"enabled": NOT_CONFIGURED}), 409)
    try:
        result = await anyio.to_thread.run_sync(_exclusive, work, lambda i: i.enable(datetime.now(UTC), force=force))
    except PreflightFailed as refused:
        message = (
            f"Not enabled: the preflight found {len(refused.report.blocking)} blocking problem(s), listed below. "
            "Fix them, or tick “Enable even though the preflight fails”."
        )
        shown = Shown(errors={"enabled": message}, preflight=findings(refused.report), report=refused.report)
        return await _answer(request, seen, shown, 400)
    if isinstance(result, str):
        return await _answer(request, seen, Shown(errors={"enabled": result}), 409)
    return go(request, seen, f"{PAGE}?done={'on' if result.passed else 'forced'}")


@router.post("/admin/erp/rules")
async def save_rules(
    request: Request, seen: Visit = Depends(access.admin), sent: dict[str, str] = Depends(form)
) -> Response:
    """ERP-1, ERP-4, ERP-5, ERP-6: keep the rules every run applies from now on; a field the
    form refuses is said beside it, and everything typed is shown again."""
    rules, errors = read_form(sent)
    if rules is None:
        errors["rules"] = "Nothing was saved: fix the fields marked below."
        return await _answer(request, seen, Shown(errors=errors, typed={**sent, "form": FORM}), 400)
    assert seen.person is not None  # `access.admin` let only a signed-in admin through
    saved = SavedRules.from_rules(rules, datetime.now(UTC), seen.person.email)
    wiring, _ = _wiring(web(request))
    await anyio.to_thread.run_sync(lambda: wiring.state().save_rules(saved.model_dump_json()))
    return go(request, seen, f"{PAGE}?done=rules")


@router.post("/admin/erp/rules/toml")
async def use_toml_rules(
    request: Request, seen: Visit = Depends(access.admin), _: dict[str, str] = Depends(form)
) -> Response:
    """Remove the rules saved here: tandem.toml's `[erp]` rules apply again."""
    wiring, _work = _wiring(web(request))
    await anyio.to_thread.run_sync(lambda: wiring.state().save_rules(None))
    return go(request, seen, f"{PAGE}?done=toml")
