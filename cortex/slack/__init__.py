"""Cortex in Slack: the bolt app (`app`), its messages (`blocks`), who is asking (`identity`),
retried events (`ledger`) and how it is served over HTTP or Socket Mode (`server`)."""
