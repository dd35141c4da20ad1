"""resolve layer (see docs/architecture.md)."""
