"""Synthetic Vietnamese administrative dossiers with ground truth, for tests and benchmarks.

Not part of the installed `sohoa` package. From the repository root:
`python -m samples.generate --help`; in code: `from samples.generate import generate_dossier`.
Committed examples live in `samples/dossiers/`.
"""
