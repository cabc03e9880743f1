"""Cortex's small SQLite stores.

sqlite.py         one SQLite file: connections, transactions
conversations.py  each conversation's previous queries, so follow-ups build on them
audit.py          the audit trail: every question, who asked, what Cortex did, feedback
"""
