"""sohoa: digitise Vietnamese administrative dossiers into searchable PDF/A in object storage."""

__version__ = "0.1.0"
