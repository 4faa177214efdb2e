"""`people_api.wsgi:app` for any WSGI server; settings come from the environment.

Importing it starts a serving process (a granian worker, or another server's), so it also sets up
the JSON logs; tests build apps with `create_app` and keep their own logging.
"""

from people_api.app import create_app
from people_api.config import Settings
from people_api.observability import logs

settings = Settings.from_env()
logs.configure(settings.log_level)
app = create_app(settings)
