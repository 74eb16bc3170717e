"""Royalties: the split policy, exact apportionment, revenue, the ledger and statements."""
