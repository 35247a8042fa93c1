"""The Starlette application, HTTP routes and the command line."""
