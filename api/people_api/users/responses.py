"""The users resource's answers that a create both sends and saves for its retries."""

from __future__ import annotations

import flask

from people_api.config import API_PREFIX
from people_api.users import schemas
from people_api.users.store import User
from people_api.web.errors import render_problem

# The collection's path under the app's mount point.
PATH = f"{API_PREFIX}users"
# Schemas are given as instances, built once; dumping keeps no state on the instance.
_USER = schemas.UserSchema()


def created(user: User) -> flask.Response:
    """201 with the new user, its URL and its entity tag."""
    response = flask.jsonify(_USER.dump(user))
    response.status_code = 201
    # What url_for("users.UserById", user_id=user.id) gives, without its per-call routing work (5 % of
    # a create's profile): the rule is fixed and a UUID needs no quoting.
    response.headers["Location"] = f"{flask.request.script_root}{PATH}/{user.id}"
    response.headers["ETag"] = schemas.entity_tag(user)
    return response


def email_taken(email: str) -> flask.Response:
    """409: another user has this mailbox. Rendered rather than raised, so a keyed create can save it."""
    detail = "Another user already has this email address."
    return render_problem(409, detail, errors={"email": [f"{email} is taken."]})
