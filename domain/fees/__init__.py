"""Fees: plans per batch, dues issued per student and period, payments, balances, reminders and receipts."""
