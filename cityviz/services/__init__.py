"""Business rules. Nothing here imports Reflex.

Each public function takes the database session first, then keyword-only
arguments including `actor`, and checks authorization itself.
"""
