"""cortex."""
