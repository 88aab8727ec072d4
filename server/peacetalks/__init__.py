"""peacetalks: a knowledge graph of the 2025 Russia–Ukraine ceasefire negotiations, over SPARQL."""

__version__ = "0.1.0"
