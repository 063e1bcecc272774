"""Seed data (CSV facts) and the demo data generator."""
