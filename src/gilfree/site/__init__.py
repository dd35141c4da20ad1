"""site layer (see docs/architecture.md)."""
