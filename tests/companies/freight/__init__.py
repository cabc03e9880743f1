"""Kestrel Freight: a UK road-freight and pallet-network firm (metrics.yml, context, build)."""
