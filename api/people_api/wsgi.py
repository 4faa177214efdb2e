"""`people_api.wsgi:app` for any WSGI server; settings come from the environment."""

from people_api import create_app

app = create_app()
