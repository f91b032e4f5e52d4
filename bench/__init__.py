"""Benchmarks for sohoa: the accuracy report and the throughput benchmark (see shared/design.md)."""
