"""optout: write the letters that make data brokers delete, stop selling, or show your data."""

__version__ = "0.1.0"
