"""A bare FastAPI app with one JSON endpoint: the baseline that service_load.py
compares the task status endpoint with, served by the same uvicorn settings.

Usage: python bench/bare_api.py PORT
"""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI

app = FastAPI()

STATUS = {
    "task_id": "0" * 32,
    "status": "pending",
    "progress": 0,
    "eta_seconds": None,
    "result_url": None,
    "thumbnail_url": None,
    "error_message": None,
    "duration_seconds": 1.0,
    "energy_cost": 1,
    "result_expires_at": None,
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}


@app.get("/status")
async def status() -> dict[str, object]:
    return STATUS


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=None, access_log=False)
