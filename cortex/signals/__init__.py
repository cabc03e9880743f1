"""Signals: what Cortex tells people before they ask (anomalies, digests, drivers)."""
