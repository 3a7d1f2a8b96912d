"""Numbers handed out in commit order, and the organisation's number series."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.hub.models import Counter, OrganizationSettings


def take(session: Session, name: str) -> int:
    """The next value of counter `name`.

    The UPDATE takes a row lock that is held until the transaction ends, so a second
    writer waits here, and numbers appear in commit order. Call it as late in the
    transaction as you can: the lock serialises every writer of this counter. The rows
    of the counters Tandem uses are made by the migrations, so no two writers race to
    create one.
    """
    value = session.execute(
        sa.update(Counter).where(Counter.name == name).values(value=Counter.value + 1).returning(Counter.value)
    ).scalar_one_or_none()
    if value is None:
        session.add(Counter(name=name, value=1))
        session.flush()
        return 1
    return int(value)


def settings(session: Session, for_update: bool = False) -> OrganizationSettings:
    query = sa.select(OrganizationSettings).where(OrganizationSettings.id == 1)
    if for_update:
        query = query.with_for_update()
    row = session.scalars(query).one_or_none()
    if row is None:
        row = OrganizationSettings(id=1)
        session.add(row)
        session.flush()
    return row


SERIES = {
    "customer": ("next_customer_number", "last_customer_number"),
    "project": ("next_project_number", "last_project_number"),
    "invoice": ("next_invoice_number", "last_invoice_number"),
}


def next_number(session: Session, series: str, taken: sa.ColumnElement[int]) -> int:
    """The next free number of a series (customer, project, invoice), skipping numbers
    already used by hand; moves the series on."""
    next_attr, last_attr = SERIES[series]
    org = settings(session, for_update=True)
    number = int(getattr(org, next_attr))
    for used in session.scalars(sa.select(taken).where(taken >= number).order_by(taken)):
        if used > number:
            break
        number += 1
    setattr(org, next_attr, number + 1)
    setattr(org, last_attr, number)
    return number
