"""Online payment through the bank: a thin adapter over eopayment.

No database access here. The service that records payments calls two
functions and stores what they return:

1. ``start_payment(...)`` when a parent clicks "Payer en ligne". It returns a
   :class:`StartedPayment`: where to send the payer's browser (a redirect
   URL, or a form to POST), and **the transaction id to store** in
   ``OnlinePayment.transaction_id`` together with ``backend=kind`` and the
   expected ``amount_cents``.
2. ``read_bank_answer(...)`` on the notification endpoint (server to server)
   and on the return page (the payer's browser). It returns a
   :class:`BankAnswer` whose ``transaction_id`` is that same stored id.

Which transaction id? eopayment's ``request()`` returns the id that its
``response()`` hands back later (as ``PaymentResponse.order_id`` for every
backend listed here); that is the id to store and to look payments up by.
The ``transaction_id`` argument of :func:`start_payment` is *our* reference
for this attempt (unique per attempt; see :func:`new_reference`). Backends
that accept a merchant id use it verbatim (SystemPay/PayZen, Paybox, TIPI
and PayFiP's ``refdet`` when it is 6 to 30 letters and digits), so the
returned id is often equal to it, but not always: the ``dummy`` backend
draws its own id and PayFiP (``payfip_ws``) answers with the ``idop`` of the
DGFiP. Always store ``StartedPayment.transaction_id``. Our reference comes
back as ``BankAnswer.order_id`` when the bank echoes it.

Amounts are integer cents in the app, and a :class:`decimal.Decimal` with two
places when given to eopayment: never a float.

What the caller must do with each answer (see also
``cityviz/api/bank_simulator.py``):

- look the payment up by ``(kind, answer.transaction_id)`` — never by
  anything the browser session says;
- act on ``answer.result == "paid"`` only when ``answer.signed`` is true (the
  notification of a signing bank, or the DGFiP web service), and when
  ``answer.amount_cents`` equals the expected amount (``None`` = the bank did
  not report it: do not record automatically);
- be idempotent: answers come several times (notification, browser return,
  retries); record the payment once (``OnlinePayment.payment_id`` is unique),
  never change a ``paid`` payment back;
- answer the bank's notification with ``answer.reply_content`` when it is
  not ``None``;
- refuse answers with ``answer.test`` true outside a demonstration, and act
  only on backends that authenticate their answers (:func:`accepts_answers`):
  the ``dummy`` backend's "signature" is a plain query parameter anyone can
  add, and eopayment's TIPI calls every answer signed. The simulator is
  offered, started and heard only with ``CITYVIZ_DEMO_PAYMENTS`` on.
"""

from __future__ import annotations

from cityviz.services.billing.bank_answer import (
    BANK_MESSAGE_MAX,
    RESULT_LABELS,
    BankAnswer,
    Result,
    dummy_answer,
    notification_payload,
    read_bank_answer,
)
from cityviz.services.billing.bank_request import StartedPayment, new_reference, start_payment
from cityviz.services.billing.payment_backends import (
    DUMMY,
    SUPPORTED_BACKENDS,
    VERIFYING_BACKENDS,
    OptionSpec,
    accepts_answers,
    backend_label,
    backend_options,
    cents_to_decimal,
    check_options,
    format_euros,
    is_demo_backend,
    offered_backends,
)

__all__ = [
    "BANK_MESSAGE_MAX", "DUMMY", "RESULT_LABELS", "SUPPORTED_BACKENDS", "VERIFYING_BACKENDS", "BankAnswer", "OptionSpec", "Result",
    "StartedPayment", "accepts_answers", "backend_label", "backend_options", "cents_to_decimal", "check_options", "dummy_answer",
    "format_euros", "is_demo_backend", "new_reference", "offered_backends", "notification_payload", "read_bank_answer",
    "start_payment",
]
