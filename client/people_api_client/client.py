"""The client: where the API is, who is calling, how long to wait and when to try again.

The code lives in static modules beside this one (`_client`, `_sending`, `_retries`), not in a
template, so that upgrading the generator changes none of it.
"""

from ._client import AuthenticatedClient, Client, ClientOptions
from ._retries import Retries

__all__ = ["AuthenticatedClient", "Client", "ClientOptions", "Retries"]
