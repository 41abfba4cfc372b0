"""A client generated from the first version of the proto alone still works.

The old client runs in a child process, because its modules define the same
protobuf names (``video.UploadRequest`` ...) as the current ones, and one
process's descriptor pool cannot hold both.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from grpc_tools import protoc

from tests.grpc.conftest import Caller, run_worker_once
from tests.jobs.uploads import FACE, SHORT_CLIP
from tests.shared_media import shared_face, shared_video
from vidswap.grpc.generated import video_service_pb2 as pb
from vidswap.grpc.generated import video_service_pb2_grpc as pb_grpc
from vidswap.grpc.server import GrpcServer
from vidswap.runtime import Runtime

FIRST_PROTO = """
syntax = "proto3";
package video;
message UploadRequest {string user_id=1; string file_name=2; bytes chunk=3; int32 chunk_index=4;
  int32 total_chunks=5; string file_type=6;}
message UploadResponse {string status=1; string message=2; string file_url=3;
  int32 uploaded_chunks=4; int32 total_chunks=5;}
message CreateTaskRequest {string user_id=1; string image_url=2; string video_url=3;}
message TaskResponse {string task_id=1; string status=2; int32 progress=3; string result_url=4;
  string error_message=5;}
message TaskStatusRequest {string task_id=1;}
service VideoService {
  rpc UploadVideo(stream UploadRequest) returns (UploadResponse);
  rpc CreateTask(CreateTaskRequest) returns (TaskResponse);
  rpc GetTaskStatus(TaskStatusRequest) returns (TaskResponse);
}
"""

CLIENT = """
import json, sys
import grpc
import video_service_pb2 as pb
import video_service_pb2_grpc as pb_grpc

port, token, user_id, command, *args = sys.argv[1:]
metadata = (("authorization", "Bearer " + token),)
stub = pb_grpc.VideoServiceStub(grpc.insecure_channel("127.0.0.1:" + port))

def upload(path, file_type):
    data = open(path, "rb").read()
    pieces = [data[i:i + 16384] for i in range(0, len(data), 16384)]
    requests = (
        pb.UploadRequest(user_id=user_id, file_name=path.rsplit("/", 1)[-1], chunk=piece,
                         chunk_index=index, total_chunks=len(pieces), file_type=file_type)
        for index, piece in enumerate(pieces)
    )
    response = stub.UploadVideo(requests, metadata=metadata)
    return {"status": response.status, "file_url": response.file_url,
            "uploaded_chunks": response.uploaded_chunks, "total_chunks": response.total_chunks}

if command == "upload":
    face, clip = args
    result = {"face": upload(face, "image"), "clip": upload(clip, "video/mp4")}
    try:
        stub.CreateTask(pb.CreateTaskRequest(user_id=user_id, image_url=result["face"]["file_url"],
                        video_url=result["clip"]["file_url"]), metadata=metadata)
        result["create"] = "created"
    except grpc.RpcError as error:
        result["create"] = error.code().name
        result["create_message"] = error.details()
else:
    response = stub.GetTaskStatus(pb.TaskStatusRequest(task_id=args[0]), metadata=metadata)
    result = {"status": response.status, "progress": response.progress,
              "result_url": response.result_url}
print(json.dumps(result))
"""


async def _run_client(folder: Path, server: GrpcServer, caller: Caller, *args: str) -> Any:
    token = dict(caller.metadata)["authorization"].split(" ", 1)[1]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(folder / "client.py"),
        str(server.port),
        token,
        caller.user.id,
        *args,
        cwd=folder,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    return json.loads(stdout)


def _build_client(folder: Path) -> None:
    (folder / "video_service.proto").write_text(FIRST_PROTO, encoding="utf-8")
    (folder / "client.py").write_text(CLIENT, encoding="utf-8")
    status = protoc.main(
        [
            "protoc",
            f"-I{folder}",
            f"--python_out={folder}",
            f"--grpc_python_out={folder}",
            str(folder / "video_service.proto"),
        ]
    )
    assert status == 0


async def test_first_version_client(
    tmp_path: Path,
    server: GrpcServer,
    stub: pb_grpc.VideoServiceStub,
    runtime: Runtime,
    alice: Caller,
) -> None:
    _build_client(tmp_path)

    uploaded = await _run_client(
        tmp_path, server, alice, "upload", str(shared_face(FACE)), str(shared_video(SHORT_CLIP))
    )

    assert uploaded["face"]["status"] == "completed"
    assert uploaded["clip"] == {
        "status": "completed",
        "file_url": uploaded["clip"]["file_url"],
        "uploaded_chunks": 5,
        "total_chunks": 5,
    }
    assert uploaded["clip"]["file_url"].startswith("/api/v1/uploads/")
    # The first version has no consent field, so its CreateTask cannot succeed.
    assert uploaded["create"] == "INVALID_ARGUMENT"
    assert "I confirm that I have the right" in uploaded["create_message"]

    created = await stub.CreateTask(
        pb.CreateTaskRequest(
            image_url=uploaded["face"]["file_url"],
            video_url=uploaded["clip"]["file_url"],
            consent=True,
        ),
        metadata=alice.metadata,
    )
    await run_worker_once(runtime, created.task_id)
    status = await _run_client(tmp_path, server, alice, "status", created.task_id)

    assert status == {
        "status": "completed",
        "progress": 100,
        "result_url": f"/api/v1/tasks/{created.task_id}/result",
    }
