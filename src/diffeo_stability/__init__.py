"""Reproduction of Petrini et al. (NeurIPS 2021): relative stability toward diffeomorphisms."""

__version__ = "0.1.0"
