"""people-api: a users directory over HTTP, built contract-first.

The app is built by `people_api.app.create_app`; `people_api.wsgi:app` serves it.
"""
