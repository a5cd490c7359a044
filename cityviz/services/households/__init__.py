"""Families: households and their members, families created by staff, dossiers
and their review, documents and stored files, onboarding, privacy, news.
Imports accounts and the shared modules."""
