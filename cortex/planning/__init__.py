"""Planning: a question (and the conversation so far) in, a plan out.

plans.py     the plan types (QueryPlan, Clarify, OutOfScope), Usage and the Planner protocol
claude.py    the Claude planner: tool use through the anthropic SDK, every input validated
offline/     the deterministic planner that needs no key
verified.py  when a plan may carry the Verified badge
guards.py    parts of a question no semantic query honours (a cause, a definition)
phrase.py    a semantic query as words the offline planner reads back to it
"""
