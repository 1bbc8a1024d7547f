"""Mechanism analyses of the authors' group-meeting slides: how nets become relatively stable."""
