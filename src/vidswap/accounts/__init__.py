"""Accounts: users, SMS codes, passwords, tokens."""
