"""Cityviz Enfance: the family portal of a town's childhood services."""
