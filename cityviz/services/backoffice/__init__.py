"""Staff views that read across the whole journey (the dashboard). The top of
the order: it may import every other package, none imports it."""
