"""REST APIs (FAB ModelRestApi), scoped and routed through the same services as the views."""
