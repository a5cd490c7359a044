"""Money: closing a period and computing its lines, numbering, invoices and
their PDF, credit notes, payments and refunds, direct debits and SEPA files,
online payment. Imports booking, households, accounts, shared."""
