"""Direct-debit steps for the tests, each its own transaction (the `towns` fixture's staff)."""

from datetime import date

from sqlmodel import select

from cityviz import db
from cityviz.models import DirectDebit
from cityviz.services.billing import direct_debits, periods

IBAN = "FR76 3000 6000 0112 3456 7890 189"


def mandate(towns, household="noiret", town=0, **changes) -> int:
    values = dict(holder_name="Camille Noiret", iban=IBAN, bic="", reference=f"RUM-{household}-{town}",
                  signed_on=date(2026, 9, 1))
    values.update(changes)
    with db.transaction() as s:
        return direct_debits.save_mandate(s, actor=towns["staff"][town], organization_id=towns["orgs"][town],
                                          household_id=towns[household], **values)


def debits() -> list[DirectDebit]:
    with db.read() as s:
        return list(s.exec(select(DirectDebit).order_by(DirectDebit.id)).all())


def export(towns, town=0):
    """(file, name) of the town's export (the count and total it also returns are checked elsewhere)."""
    with db.transaction() as s:
        content, name, _count, _cents = direct_debits.export_file(s, actor=towns["staff"][town],
                                                                  organization_id=towns["orgs"][town])
        return content, name


def settle(towns, debit_id, paid, reason=None):
    given = {} if reason is None else {"reason": reason}  # a paid answer usually comes without a reason
    with db.transaction() as s:
        direct_debits.settle(s, actor=towns["staff"][0], debit_id=debit_id, paid=paid, **given)


def issue(towns, month, town=0):
    periods.issue_all(db.transaction, actor=towns["staff"][town], organization_id=towns["orgs"][town], month=month)
