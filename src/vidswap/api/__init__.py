"""FastAPI application assembly: routers, middleware and error handlers."""
