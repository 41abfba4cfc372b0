"""Modules generated from proto/video_service.proto by scripts/gen-proto; do not edit."""
