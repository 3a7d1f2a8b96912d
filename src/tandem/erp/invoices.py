"""Invoices (ERP-6): numbered PSA invoices are booked in the ERP; paid status comes back.

Only invoices numbered in the PSA's series move: a draft has no number yet. A PSA
invoice whose number the ERP already holds for the same customer is linked, not
booked twice; for another customer it is a failure (the series overlap, which the
preflight reports). The ERP's customer ledger decides "paid": nothing remaining.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date

from tandem.domain.erp import (
    ErpEntity,
    ErpInvoice,
    ErpInvoiceDraft,
    ErpLink,
    Failure,
    PsaInvoice,
    Side,
    SideLimits,
)
from tandem.erp.actions import Action, CreateErpInvoice, EntityPlan, LinkInvoice, MarkInvoicePaid
from tandem.erp.fields import key_problem


def _transfers(invoice: PsaInvoice) -> bool:
    return not invoice.is_draft and invoice.number is not None


def invoice_numbers_to_read(psa_invoices: Sequence[PsaInvoice], links: Mapping[str, ErpLink]) -> frozenset[str]:
    """The ERP invoice numbers a plan needs: unbooked ones (taken?) and booked unpaid ones."""
    numbers: set[str] = set()
    for invoice in psa_invoices:
        if not _transfers(invoice) or invoice.number is None:
            continue
        link = links.get(invoice.guid)
        if link is None:
            numbers.add(invoice.number)
        elif not invoice.is_paid:
            numbers.add(link.erp_key)
    return frozenset(numbers)


def plan_invoices(
    psa_invoices: Sequence[PsaInvoice],
    erp_invoices: Mapping[str, ErpInvoice],
    links: Mapping[str, ErpLink],
    erp_customer_keys: Collection[str],
    erp_limits: SideLimits,
    today: date,
) -> EntityPlan:
    actions: list[Action] = []
    failures: list[Failure] = []
    for invoice in psa_invoices:
        if not _transfers(invoice) or invoice.number is None:
            continue
        link = links.get(invoice.guid)
        if link is not None:
            action, failure = _booked(invoice, link, erp_invoices, today)
        else:
            action, failure = _unbooked(invoice, invoice.number, erp_invoices, erp_customer_keys, erp_limits, today)
        actions.extend([action] if action is not None else [])
        failures.extend([failure] if failure is not None else [])
    return EntityPlan(ErpEntity.INVOICE, actions=tuple(actions), failures=tuple(failures))


def _booked(
    invoice: PsaInvoice, link: ErpLink, erp_invoices: Mapping[str, ErpInvoice], today: date
) -> tuple[Action | None, Failure | None]:
    if invoice.is_paid:
        return None, None
    booked = erp_invoices.get(link.erp_key)
    if booked is None:
        reason = f"invoice {link.erp_key} was booked but the ERP's customer ledger has no entry for it"
        return None, Failure(link.erp_key, reason, Side.ERP, invoice.guid)
    if booked.is_paid:
        return MarkInvoicePaid(invoice.guid, link.erp_key, today), None
    return None, None


def _unbooked(
    invoice: PsaInvoice,
    number: str,
    erp_invoices: Mapping[str, ErpInvoice],
    erp_customer_keys: Collection[str],
    erp_limits: SideLimits,
    today: date,
) -> tuple[Action | None, Failure | None]:
    existing = erp_invoices.get(number)
    if existing is not None:
        if existing.customer_key != invoice.customer_key:
            reason = (
                f"invoice number {number} is already used in the ERP for customer {existing.customer_key}; "
                "the invoice number series overlap"
            )
            return None, Failure(number, reason, Side.PSA, invoice.guid)
        paid_on = today if existing.is_paid and not invoice.is_paid else None
        return LinkInvoice(invoice.guid, number, paid_on), None
    problem = key_problem(ErpEntity.INVOICE, number, erp_limits, "the ERP")
    if problem is None and invoice.customer_key is None:
        problem = "the invoice has no customer number"
    if problem is None and invoice.customer_key not in erp_customer_keys:
        problem = f"customer {invoice.customer_key} is not in the ERP (and is not being created there)"
    if problem is not None or invoice.customer_key is None:
        return None, Failure(number, problem or "", Side.PSA, invoice.guid)
    draft = ErpInvoiceDraft(
        invoice_number=number,
        customer_key=invoice.customer_key,
        project_key=invoice.project_key,
        invoice_date=invoice.invoice_date,
        total=invoice.total,
        psa_guid=invoice.guid,
        already_paid=invoice.is_paid,
    )
    return CreateErpInvoice(draft), None
