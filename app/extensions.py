"""Flask extensions shared by the whole app.

No AppBuilder here: `create_app()` builds one per app (FAB trap #2).
`db` uses FAB's declarative base, so Alembic sees FAB's tables and ours.
"""
from flask_appbuilder import Model
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = get_sqla_class()(model_class=Model)
migrate = Migrate()
csrf = CSRFProtect()
