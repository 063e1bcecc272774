"""WSGI entry point: `gunicorn wsgi:app`; also what `flask …` finds from the project root."""
from app import create_app

app = create_app()
