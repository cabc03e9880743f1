"""What the offline planner checks before answering, and the questions back it asks instead.

understanding.py  words nothing explains; requests that are not about data
structure.py      words that shape a question (a breakdown, a ranking, a comparison)
asking.py         the questions back, with what Cortex could answer instead
"""
