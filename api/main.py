"""The ASGI application object for uvicorn (`api.main:app`)."""

from api.app import create_app
from api.observability.logs import configure_logging
from settings import get_settings

# Here as well as in `serve`: with --workers, each worker is a fresh process that imports this
# module and nothing else of the command line.
configure_logging(get_settings())
app = create_app()
