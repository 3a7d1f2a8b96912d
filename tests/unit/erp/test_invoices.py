"""ERP-6: numbered PSA invoices go to the ERP; paid status comes back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tandem.domain.erp import ErpEntity, ErpInvoice, ErpLink, PsaInvoice, default_rules
from tandem.erp import CreateErpInvoice, LinkInvoice, MarkInvoicePaid, invoice_numbers_to_read
from tests.unit.erp.fakes import TODAY, C, erp, plan_for, psa

INV = ErpEntity.INVOICE
ACME = erp(C, "10001", "Acme Oy", guid="g-acme")


def invoice(number: str | None = "270001", customer: str | None = "10001", **kwargs: object) -> PsaInvoice:
    return PsaInvoice(
        guid=f"inv-{number}",
        number=number,
        customer_key=customer,
        project_key="5001",
        invoice_date=date(2025, 2, 28),
        total=Decimal("1240.00"),
        **kwargs,  # type: ignore[arg-type]
    )


def test_erp_6_a_numbered_psa_invoice_is_booked_in_the_erp() -> None:
    the_plan = plan_for([ACME], psa_invoices=[invoice()])

    (action,) = the_plan.entity(INV).actions
    assert isinstance(action, CreateErpInvoice)
    draft = action.draft
    assert (draft.invoice_number, draft.customer_key, draft.project_key, draft.total, draft.psa_guid) == (
        "270001",
        "10001",
        "5001",
        Decimal("1240.00"),
        "inv-270001",
    )
    assert not draft.already_paid


def test_erp_6_a_draft_without_a_number_stays_in_the_psa() -> None:
    the_plan = plan_for([ACME], psa_invoices=[invoice(None, is_draft=True)])

    assert the_plan.entity(INV).actions == ()
    assert the_plan.entity(INV).failures == ()


def test_erp_6_paid_in_the_erp_marks_the_psa_invoice_paid() -> None:
    booked = ErpLink(INV, "inv-270001", "270001")
    paid = {"270001": ErpInvoice("270001", "10001", Decimal("1240.00"), Decimal(0))}
    open_ = {"270001": ErpInvoice("270001", "10001", Decimal("1240.00"), Decimal("240.00"))}

    when_paid = plan_for([ACME], links=[booked], psa_invoices=[invoice()], erp_invoices=paid)
    when_open = plan_for([ACME], links=[booked], psa_invoices=[invoice()], erp_invoices=open_)
    already_known = plan_for([ACME], links=[booked], psa_invoices=[invoice(is_paid=True)], erp_invoices=paid)

    assert when_paid.entity(INV).actions == (MarkInvoicePaid("inv-270001", "270001", TODAY),)
    assert when_open.entity(INV).actions == ()  # part-paid is not paid
    assert already_known.entity(INV).actions == ()


def test_erp_6_an_invoice_number_the_erp_used_for_another_customer_fails() -> None:
    taken = {"270001": ErpInvoice("270001", "10777", Decimal("99.00"), Decimal("99.00"))}
    the_plan = plan_for([ACME], psa_invoices=[invoice()], erp_invoices=taken)

    assert the_plan.entity(INV).actions == ()
    (failure,) = the_plan.entity(INV).failures
    assert "already used in the ERP for customer 10777" in failure.reason


def test_erp_6_the_same_invoice_already_in_the_erp_is_linked_not_booked_twice() -> None:
    there = {"270001": ErpInvoice("270001", "10001", Decimal("1240.00"), Decimal(0))}
    the_plan = plan_for([ACME], psa_invoices=[invoice()], erp_invoices=there)

    assert the_plan.entity(INV).actions == (LinkInvoice("inv-270001", "270001", TODAY),)


def test_erp_6_the_customer_must_be_in_the_erp_or_on_its_way_there() -> None:
    new_customer = psa(C, "20001", "Globex Ltd")
    the_plan = plan_for(
        [ACME],
        [new_customer],
        psa_invoices=[invoice("270001", "20001"), invoice("270002", "29999"), invoice("270003", None)],
    )

    assert [a.key for a in the_plan.entity(INV).actions] == ["270001"]
    reasons = {f.key: f.reason for f in the_plan.entity(INV).failures}
    assert "customer 29999 is not in the ERP" in reasons["270002"]
    assert "no customer" in reasons["270003"]


def test_erp_6_invoices_can_be_turned_off() -> None:
    rules = default_rules()
    off = type(rules)(rules.entities, transfer_invoices=False)
    the_plan = plan_for([ACME], psa_invoices=[invoice()], rules=off)

    assert INV not in {e.entity for e in the_plan.entities}


def test_erp_6_only_unbooked_and_unpaid_invoices_are_looked_up_in_the_erp() -> None:
    invoices = [
        invoice("270001"),
        invoice("270002", is_paid=True),
        invoice("270003"),
        invoice(None, is_draft=True),
    ]
    links = {
        "inv-270002": ErpLink(INV, "inv-270002", "270002"),
        "inv-270003": ErpLink(INV, "inv-270003", "270003"),
    }

    assert invoice_numbers_to_read(invoices, links) == {"270001", "270003"}
