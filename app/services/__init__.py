"""Domain services: pure logic over a SQLAlchemy session and plain values, no Flask."""
