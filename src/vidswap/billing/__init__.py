"""Billing: the Energy ledger (products, orders and payments come later)."""
