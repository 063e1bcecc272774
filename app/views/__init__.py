"""Thin FAB views, one module per capability; registered by app.views.registry_init."""
