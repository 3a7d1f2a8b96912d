"""Executing an ERP plan against the ports, one record at a time (ERP-7).

Each action runs in its own try/except: a record the other side refuses becomes a
failure entry with the reason and the run moves on to the next record. Within an
action the order protects against duplicates after a crash or a failure halfway:

- CreateInErp: write the ERP row (it carries the PSA guid), then save the link.
  Crash between the two → next run finds the row by key and guid and links it.
- CreateInPsa: create the PSA record, save the link, then put the guid into the
  ERP's information field. A failed guid write is retried by the next run.
- SyncPair: ERP writes, PSA writes, then the link with its new base snapshot.
  A half-done pair is finished by the next run's merge (one side equals the
  agreed values, the other still differs from the old base).

`ItemGrouping` lets the PSA's and the state store's writes of many items share one
transaction (`batch`), each item in its own savepoint (`item`), committed between items
(`checkpoint`, outside the per-item try: a lost commit stops the run rather than passing
for one record's failure). A failing item is rolled back alone. `TwoDatabases` groups the
ERP's writes the same way, in batches of their own that always commit *before* the hub's:
the orders above still hold across a crash, because what the ERP has committed is exactly
what the next run needs to find a lost link, and the hub never holds a link to an ERP row
that was rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from tandem.domain.erp import Conflict, EntityReport, ErpLink, Failure
from tandem.domain.errors import TandemError
from tandem.domain.progress import Progress, quiet
from tandem.erp.actions import (
    Action,
    CreateErpInvoice,
    CreateInErp,
    CreateInPsa,
    EntityPlan,
    ErpPlan,
    LinkInvoice,
    MarkInvoicePaid,
    SyncPair,
)
from tandem.ports.erp import ErpPort, ErpStateStore, PsaMasterDataPort

log = logging.getLogger(__name__)


class ItemGrouping(Protocol):
    """How the PSA's and the state's writes of a run are grouped into transactions."""

    @property
    def atomic_items(self) -> bool:
        """A failed item's PSA and state writes are rolled back (inside `batch`)."""
        ...

    def batch(self) -> AbstractContextManager[None]:
        """Around a whole run's execution."""
        ...

    def item(self) -> AbstractContextManager[None]:
        """Around one action: all its PSA and state writes, or none of them."""
        ...

    def chunk(self, items: int) -> AbstractContextManager[None]:
        """Around `items` actions at once: all their writes, or none of them (one savepoint
        where `item` would take one per action). Only inside `batch`, when `atomic_items`."""
        ...

    @property
    def chunk_size(self) -> int:
        """How many actions a chunk takes at most (a batch's size)."""
        ...

    def checkpoint(self) -> None:
        """Between actions: commit what is done when it is time. A failure here stops the run."""
        ...


class EachWriteAlone:
    """No grouping: every write is its own transaction (the ports' default)."""

    atomic_items = False
    chunk_size = 1

    @contextmanager
    def batch(self) -> Iterator[None]:
        yield

    @contextmanager
    def item(self) -> Iterator[None]:
        yield

    @contextmanager
    def chunk(self, items: int) -> Iterator[None]:
        yield

    def checkpoint(self) -> None:
        pass


class Batches(Protocol):
    """A database's writes in batches: `ItemWrites` (the hub's), `SqlErpWriter` (the ERP's)."""

    def batch(self) -> AbstractContextManager[None]: ...

    def item(self) -> AbstractContextManager[None]: ...

    def chunk(self, items: int) -> AbstractContextManager[None]: ...


class HubBatches(ItemGrouping, Protocol):
    @property
    def due(self) -> bool:
        """The next `checkpoint` commits."""
        ...


class ErpBatches(Batches, Protocol):
    def commit(self) -> None: ...


class TwoDatabases:
    """The hub's writes grouped by `hub`, the ERP's by `erp`, item by item together (a failing
    item's writes are rolled back on both sides), the ERP's batch committed first."""

    def __init__(self, hub: HubBatches, erp: ErpBatches) -> None:
        self._hub = hub
        self._erp = erp

    @property
    def atomic_items(self) -> bool:
        return self._hub.atomic_items

    @contextmanager
    def batch(self) -> Iterator[None]:
        with self._hub.batch(), self._erp.batch():  # the inner one, the ERP's, commits first
            yield

    @contextmanager
    def item(self) -> Iterator[None]:
        with self._hub.item(), self._erp.item():
            yield

    @contextmanager
    def chunk(self, items: int) -> Iterator[None]:
        with self._hub.chunk(items), self._erp.chunk(items):
            yield

    @property
    def chunk_size(self) -> int:
        return self._hub.chunk_size

    def checkpoint(self) -> None:
        if self._hub.due:
            self._erp.commit()
        self._hub.checkpoint()


@dataclass
class _Tally:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    def merge(self, done: _Tally) -> None:
        """What `done` did (its failures are counted where they happen)."""
        self.created += done.created
        self.updated += done.updated
        self.linked += done.linked
        self.conflicts += done.conflicts


@dataclass(frozen=True, slots=True)
class Executed:
    reports: tuple[EntityReport, ...]
    conflicts: tuple[Conflict, ...]


class PlanExecutor:
    def __init__(
        self,
        erp: ErpPort,
        psa: PsaMasterDataPort,
        store: ErpStateStore,
        now: datetime,
        grouping: ItemGrouping | None = None,
        progress: Progress = quiet,
    ) -> None:
        self._erp = erp
        self._psa = psa
        self._store = store
        self._now = now
        self._grouping = grouping or EachWriteAlone()
        self._progress = progress

    def execute(self, plan: ErpPlan) -> Executed:
        reports: list[EntityReport] = []
        conflicts: list[Conflict] = []
        with self._grouping.batch():
            for entity_plan in plan.entities:
                tally = _Tally(failed=list(entity_plan.failures))
                actions = entity_plan.actions
                size = max(1, self._grouping.chunk_size)
                what = f"{entity_plan.entity}: writing"
                self._progress(what, 0, len(actions))
                for start in range(0, len(actions), size):
                    self._chunk(actions[start : start + size], tally)
                    self._progress(what, min(start + size, len(actions)), len(actions))
                reports.append(_report(entity_plan, tally))
                conflicts.extend(tally.conflicts)
        return Executed(tuple(reports), tuple(conflicts))

    def _chunk(self, actions: Sequence[Action], tally: _Tally) -> None:
        """The actions all at once, in one savepoint (the common case: every one goes
        through); when one fails, that is undone and they go again one by one, each in a
        savepoint of its own, so only the failing one is left out (atomic items)."""
        if self._grouping.atomic_items and len(actions) > 1:
            done = _Tally()
            try:
                with self._grouping.chunk(len(actions)):
                    for action in actions:
                        self._apply(action, done)
            except Exception:  # undone; each action again below says why it failed
                log.debug("a chunk of %d ERP actions had a failure; going one by one", len(actions))
            else:
                tally.merge(done)
                self._grouping.checkpoint()
                return
        for action in actions:
            self._one(action, tally)
            self._grouping.checkpoint()

    def _one(self, action: Action, tally: _Tally) -> None:
        # What an item did counts once its writes are through; when a failed item's writes
        # are rolled back (atomic items), what it did before failing does not count either.
        done = _Tally()
        reason: str | None = None
        try:
            with self._grouping.item():
                self._apply(action, done)
        except TandemError as exc:
            log.warning("ERP %s %s failed: %s", action.entity, action.key, exc)
            reason = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # one bad record never stops the run (ERP-7)
            log.exception("ERP %s %s failed unexpectedly", action.entity, action.key)
            reason = f"unexpected {type(exc).__name__}: {exc}"
        if reason is not None:
            tally.failed.append(Failure(action.key, reason, None, _guid(action)))
        if reason is None or not self._grouping.atomic_items:
            tally.merge(done)

    def _apply(self, action: Action, tally: _Tally) -> None:
        writer = self._erp.writer
        if isinstance(action, CreateInErp):
            writer.create(action.entity, action.key, action.values, action.psa_guid)
            self._link(action.psa_guid, action.key, action)
            tally.created.append(action.key)
        elif isinstance(action, CreateInPsa):
            record = self._psa.create(action.entity, action.key, action.psa_fields)
            self._link(record.guid, action.key, action)
            tally.created.append(action.key)
            writer.store_psa_guid(action.entity, action.erp_row_id, record.guid)
        elif isinstance(action, SyncPair):
            self._sync_pair(action, tally)
        elif isinstance(action, CreateErpInvoice):
            writer.create_invoice(action.draft)
            self._store.save_link(ErpLink(action.entity, action.draft.psa_guid, action.key, None, self._now))
            tally.created.append(action.key)
        elif isinstance(action, LinkInvoice):
            self._store.save_link(ErpLink(action.entity, action.psa_guid, action.key, None, self._now))
            tally.linked.append(action.key)
            if action.paid_on is not None:
                self._psa.mark_invoice_paid(action.psa_guid, action.paid_on)
                tally.updated.append(action.key)
        elif isinstance(action, MarkInvoicePaid):
            self._psa.mark_invoice_paid(action.psa_guid, action.paid_on)
            tally.updated.append(action.key)

    def _sync_pair(self, action: SyncPair, tally: _Tally) -> None:
        writer = self._erp.writer
        if action.to_erp:
            writer.update(action.entity, action.erp_row_id, action.to_erp)
        if action.store_guid:
            writer.store_psa_guid(action.entity, action.erp_row_id, action.psa_guid)
        if action.to_psa:
            self._psa.update(action.entity, action.psa_guid, action.to_psa)
        self._link(action.psa_guid, action.key, action)
        if action.new_link:
            tally.linked.append(action.key)
        if action.writes_records:
            tally.updated.append(action.key)
        tally.conflicts.extend(action.conflicts)

    def _link(self, psa_guid: str, key: str, action: CreateInErp | CreateInPsa | SyncPair) -> None:
        self._store.save_link(ErpLink(action.entity, psa_guid, key, action.base, self._now))


def _guid(action: Action) -> str | None:
    if isinstance(action, CreateErpInvoice):
        return action.draft.psa_guid
    if isinstance(action, CreateInPsa):
        return None
    return action.psa_guid


def _report(entity_plan: EntityPlan, tally: _Tally) -> EntityReport:
    return EntityReport(
        entity=entity_plan.entity,
        created=tuple(tally.created),
        updated=tuple(tally.updated),
        linked=tuple(tally.linked),
        excluded=entity_plan.excluded,
        failed=tuple(tally.failed),
    )
