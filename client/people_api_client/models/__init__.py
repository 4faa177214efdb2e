"""Contains all the data models used in inputs/outputs"""

from .health import Health
from .problem import Problem
from .problem_errors import ProblemErrors
from .user import User
from .user_create import UserCreate
from .user_list import UserList
from .user_patch import UserPatch
from .user_replace import UserReplace

__all__ = (
    "Health",
    "Problem",
    "ProblemErrors",
    "User",
    "UserCreate",
    "UserList",
    "UserPatch",
    "UserReplace",
)
