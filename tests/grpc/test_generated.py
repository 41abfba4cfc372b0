"""The committed gRPC modules are what scripts/gen-proto makes from proto/video_service.proto."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATED = Path("vidswap/grpc/generated")
FILES = ("video_service_pb2.py", "video_service_pb2.pyi", "video_service_pb2_grpc.py")


def test_generated_modules_match_proto(tmp_path: Path) -> None:
    subprocess.run([str(ROOT / "scripts" / "gen-proto"), str(tmp_path)], check=True)

    for name in FILES:
        fresh = (tmp_path / GENERATED / name).read_text(encoding="utf-8")
        committed = (ROOT / "src" / GENERATED / name).read_text(encoding="utf-8")
        assert fresh == committed, f"{name} is stale: run scripts/gen-proto and commit the result"
