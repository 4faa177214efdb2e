"""Contains all the data models used in inputs/outputs"""

from .pagination_metadata import PaginationMetadata
from .problem import Problem
from .problem_errors import ProblemErrors
from .user import User
from .user_create import UserCreate
from .user_list import UserList
from .user_patch import UserPatch
from .user_replace import UserReplace

__all__ = (
    "PaginationMetadata",
    "Problem",
    "ProblemErrors",
    "User",
    "UserCreate",
    "UserList",
    "UserPatch",
    "UserReplace",
)
