"""The task queue and the worker process that runs swap tasks."""
