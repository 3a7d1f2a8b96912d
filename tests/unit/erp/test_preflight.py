"""ERP-3: the preflight — series overlaps, record problems, what a run would do, the verdict."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tandem.domain.erp import (
    CreateRefusal,
    ErpEntity,
    ErpNumberSeries,
    FindingKind,
    GroupExclusion,
    NumberSeries,
    ProblemRef,
    PsaInvoice,
    PsaNumberSeries,
    Severity,
    Side,
    default_rules,
)
from tandem.erp import preflight
from tandem.erp.findings import SEVERITY
from tests.unit.erp.fakes import C, D, E, J, erp, inputs, link, psa

CLEAN_PSA = PsaNumberSeries(next_customer_number=20001, next_invoice_number=300001)


def series(customer: tuple[int, int | None] = (10000, 19999), *invoice: tuple[int, int]) -> ErpNumberSeries:
    return ErpNumberSeries(
        customer=(NumberSeries("1", *customer),),
        invoice=tuple(
            NumberSeries(str(n), first, last) for n, (first, last) in enumerate(invoice or [(100000, 199999)], 1)
        ),
    )


def test_erp_3_erp_series_below_the_psa_numbering_pass() -> None:
    report = preflight(inputs(), series(), CLEAN_PSA)

    assert report.passed
    assert report.findings == ()


def test_erp_3_customer_number_series_overlap_blocks() -> None:
    report = preflight(inputs(), series((10000, 29999)), CLEAN_PSA)

    assert not report.passed
    (problem,) = report.blocking
    assert problem.ref == ProblemRef(FindingKind.CUSTOMER_SERIES_OVERLAP, C, Side.BOTH, ("1",))
    assert "20001" in problem.message


def test_erp_3_an_erp_series_above_the_psa_numbering_overlaps_too() -> None:
    # The PSA's numbering has no upper limit: it will run into 50000.. one day.
    report = preflight(inputs(), series((50000, 59999)), CLEAN_PSA)

    assert [f.ref.kind for f in report.blocking] == [FindingKind.CUSTOMER_SERIES_OVERLAP]


def test_erp_3_invoice_series_overlap_counts_invoices_the_psa_already_issued() -> None:
    # The PSA's invoice numbers are those it issued and those from its next number on: an ERP
    # series overlaps when it holds one of the first (no PSA command moves an issued number)
    # or reaches the second (the PSA's next number above it fixes that).
    issued = PsaInvoice("i1", "200010", "10001", None, date(2025, 1, 1), Decimal("10.00"))
    below = PsaInvoice("i2", "1000", "10001", None, date(2025, 1, 1), Decimal("10.00"))
    erp_series = series((10000, 19999), (100000, 149999), (200000, 249999))

    clean = preflight(inputs(psa_invoices=[below]), erp_series, PsaNumberSeries(20001, None, 260001))
    overlapping = preflight(inputs(psa_invoices=[issued]), erp_series, PsaNumberSeries(20001, None, 260001))
    reaching = preflight(inputs(psa_invoices=[below]), erp_series, PsaNumberSeries(20001, None, 120001))

    assert clean.passed  # an issued number below every ERP series overlaps nothing
    (held,) = overlapping.blocking
    assert held.ref == ProblemRef(FindingKind.INVOICE_SERIES_OVERLAP, ErpEntity.INVOICE, Side.BOTH, ("2",))
    assert "200010" in held.message
    assert (held.fix, "end the ERP series below 200010" in held.message) == ("", True)
    assert [(f.ref.keys, f.fix) for f in reaching.blocking] == [
        (("1",), "tandem erp psa-numbers --next-invoice 250000"),
        (("2",), "tandem erp psa-numbers --next-invoice 250000"),
    ]


def test_erp_3_each_blocking_finding_names_the_command_that_fixes_it() -> None:
    report = preflight(
        inputs(
            [erp(C, "10001", "Acme Oy", row="a"), erp(C, "10001", "Acme Trading Oy", row="b")],
            [psa(C, "20001", "Birka Oy")],
        ),
        series((10000, 29999)),
        CLEAN_PSA,
    )

    assert {f.ref.kind: f.fix for f in report.blocking} == {
        FindingKind.CUSTOMER_SERIES_OVERLAP: "tandem erp psa-numbers --next-customer 30000",
        FindingKind.DUPLICATE_KEY: "tandem erp set-key customer --erp-row b 20002",  # above every key in use
    }


def test_erp_3_duplicate_keys_block_and_missing_keys_only_warn() -> None:
    report = preflight(
        inputs(
            [erp(C, "10001", "Acme Oy", row="a"), erp(C, "10001", "Acme Trading Oy", row="b")],
            [psa(D, None, "Sales")],
        ),
        series(),
        CLEAN_PSA,
    )

    assert {f.ref for f in report.blocking} == {ProblemRef(FindingKind.DUPLICATE_KEY, C, Side.ERP, ("10001",))}
    assert {f.ref for f in report.warnings} == {ProblemRef(FindingKind.MISSING_KEY, D, Side.PSA, ("Sales",))}
    assert not report.passed


def test_erp_3_erp_employees_without_email_are_warned_about() -> None:
    report = preflight(inputs([erp(E, "7", "Aino Virtanen", email=None)]), series(), CLEAN_PSA)

    assert {f.ref for f in report.warnings} == {ProblemRef(FindingKind.EMPLOYEE_WITHOUT_EMAIL, E, Side.ERP, ("7",))}
    assert report.passed


def test_erp_3_records_renumbered_since_linking_are_reported_per_side() -> None:
    renumbered_in_psa = inputs(
        [erp(C, "10001", "Acme Oy", guid="g1")],
        [psa(C, "10009", "Acme Oy", guid="g1")],
        [link(C, "g1", "10001", name="Acme Oy", email=None)],
    )
    renumbered_in_erp = inputs(
        [erp(C, "10009", "Acme Oy", guid="g1")],
        [psa(C, "10001", "Acme Oy", guid="g1")],
        [link(C, "g1", "10001", name="Acme Oy", email=None)],
    )

    in_psa = preflight(renumbered_in_psa, series(), CLEAN_PSA)
    in_erp = preflight(renumbered_in_erp, series(), CLEAN_PSA)

    assert [f.ref for f in in_psa.findings] == [ProblemRef(FindingKind.RENUMBERED, C, Side.PSA, ("10001", "10009"))]
    assert [f.ref for f in in_erp.findings] == [ProblemRef(FindingKind.RENUMBERED, C, Side.ERP, ("10009", "10001"))]
    # Neither side is touched, and no copy is made under the new number.
    assert in_psa.plan.actions == ()
    assert in_erp.plan.actions == ()


def test_erp_3_counts_what_a_run_would_create_link_update_and_exclude() -> None:
    rules = default_rules(exclusions={C: GroupExclusion("Gr3", "1")})
    report = preflight(
        inputs(
            [
                erp(C, "10001", "Acme Oy"),
                erp(C, "10002", "Birka Oy"),
                erp(C, "10003", "Celsius Oy", groups={"Gr3": "1"}),
                erp(J, "5001", "Intranet"),
            ],
            [psa(C, "10002", "Birka Trading Oy"), psa(C, "20001", "Delta Ltd"), psa(J, "5001", "Intranet")],
            rules=rules,
        ),
        series(),
        CLEAN_PSA,
    )

    customers = report.summary(C)
    assert (customers.create_in_psa, customers.create_in_erp, customers.link, customers.update) == (1, 1, 1, 1)
    assert (customers.exclude, customers.fail) == (1, 0)
    assert (report.summary(J).link, report.summary(J).update) == (1, 0)


def test_erp_3_every_finding_kind_has_a_severity() -> None:
    assert set(SEVERITY) == set(FindingKind)
    assert {SEVERITY[k] for k in FindingKind} == {Severity.BLOCKING, Severity.WARNING}


def test_erp_3_a_user_code_the_erp_cannot_take_is_a_finding_with_the_command_that_fixes_it() -> None:
    # The calendar demo's users once had codes E001..E005: every run failed them, and the
    # preflight said nothing. Now it warns, naming the user and a free employee number.
    report = preflight(
        inputs(
            [erp(E, "4", "Ida Berg", email="ida@x.example")], [psa(E, "E001", "Aino Admin", email="aino@x.example")]
        ),
        series(),
        CLEAN_PSA,
    )

    (unfit,) = report.warnings
    assert unfit.ref == ProblemRef(FindingKind.UNFIT_KEY, E, Side.PSA, ("E001",))
    assert "the ERP needs a positive number as the key, not 'E001'" in unfit.message
    assert unfit.fix == "tandem users set aino@x.example --code 5"  # above every employee number in use
    (failed,) = report.plan.entity(E).failures
    assert failed.reason == "the ERP needs a positive number as the key, not 'E001'"
    assert report.summary(E).fail == 1


def test_erp_3_a_project_the_psa_cannot_create_blocks_and_fails_in_the_plan_with_the_same_words() -> None:
    refusal = CreateRefusal("a PSA project needs a customer: [erp] project_customer = 1 names no customer", "set it")
    report = preflight(
        inputs([erp(J, "5001", "Intranet"), erp(J, "5002", "Web shop")], psa_cannot_create={J: refusal}),
        series(),
        CLEAN_PSA,
    )

    (blocking,) = report.blocking
    assert blocking.ref == ProblemRef(FindingKind.CANNOT_CREATE, J, Side.PSA, ())
    assert (blocking.message, blocking.fix) == (refusal.reason, "set it")
    assert [(f.key, f.reason) for f in report.plan.entity(J).failures] == [
        ("5001", refusal.reason),
        ("5002", refusal.reason),
    ]
    assert (report.summary(J).create_in_psa, report.summary(J).fail) == (0, 2)


def test_erp_3_a_psa_that_cannot_create_projects_blocks_nothing_when_none_would_be_created() -> None:
    refusal = CreateRefusal("a PSA project needs a customer: …")
    report = preflight(inputs(psa_cannot_create={J: refusal}), series(), CLEAN_PSA)

    assert report.passed
