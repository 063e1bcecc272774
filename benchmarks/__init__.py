"""Bounded benchmarks for the registry (see docs/performance.md)."""
