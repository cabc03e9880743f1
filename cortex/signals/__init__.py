"""Proactive intelligence: signals on governed metrics, their drivers, anomalies and digests."""
