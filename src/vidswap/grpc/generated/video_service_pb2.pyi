from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UploadRequest(_message.Message):
    __slots__ = ("user_id", "file_name", "chunk", "chunk_index", "total_chunks", "file_type", "upload_id", "sha256")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    CHUNK_INDEX_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CHUNKS_FIELD_NUMBER: _ClassVar[int]
    FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    file_name: str
    chunk: bytes
    chunk_index: int
    total_chunks: int
    file_type: str
    upload_id: str
    sha256: str
    def __init__(self, user_id: _Optional[str] = ..., file_name: _Optional[str] = ..., chunk: _Optional[bytes] = ..., chunk_index: _Optional[int] = ..., total_chunks: _Optional[int] = ..., file_type: _Optional[str] = ..., upload_id: _Optional[str] = ..., sha256: _Optional[str] = ...) -> None: ...

class UploadResponse(_message.Message):
    __slots__ = ("status", "message", "file_url", "uploaded_chunks", "total_chunks", "upload_id", "missing_chunks", "sha256", "size")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    UPLOADED_CHUNKS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CHUNKS_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    MISSING_CHUNKS_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    status: str
    message: str
    file_url: str
    uploaded_chunks: int
    total_chunks: int
    upload_id: str
    missing_chunks: _containers.RepeatedScalarFieldContainer[int]
    sha256: str
    size: int
    def __init__(self, status: _Optional[str] = ..., message: _Optional[str] = ..., file_url: _Optional[str] = ..., uploaded_chunks: _Optional[int] = ..., total_chunks: _Optional[int] = ..., upload_id: _Optional[str] = ..., missing_chunks: _Optional[_Iterable[int]] = ..., sha256: _Optional[str] = ..., size: _Optional[int] = ...) -> None: ...

class CreateTaskRequest(_message.Message):
    __slots__ = ("user_id", "image_url", "video_url", "consent", "faces", "reference_url", "quality", "label")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    VIDEO_URL_FIELD_NUMBER: _ClassVar[int]
    CONSENT_FIELD_NUMBER: _ClassVar[int]
    FACES_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_URL_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    image_url: str
    video_url: str
    consent: bool
    faces: str
    reference_url: str
    quality: int
    label: bool
    def __init__(self, user_id: _Optional[str] = ..., image_url: _Optional[str] = ..., video_url: _Optional[str] = ..., consent: bool = ..., faces: _Optional[str] = ..., reference_url: _Optional[str] = ..., quality: _Optional[int] = ..., label: bool = ...) -> None: ...

class TaskResponse(_message.Message):
    __slots__ = ("task_id", "status", "progress", "result_url", "error_message", "error_code", "energy_cost", "duration_seconds", "eta_seconds", "created_at", "updated_at", "result_size", "target_preview_url", "notices")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RESULT_URL_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ENERGY_COST_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ETA_SECONDS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    RESULT_SIZE_FIELD_NUMBER: _ClassVar[int]
    TARGET_PREVIEW_URL_FIELD_NUMBER: _ClassVar[int]
    NOTICES_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    status: str
    progress: int
    result_url: str
    error_message: str
    error_code: str
    energy_cost: int
    duration_seconds: float
    eta_seconds: float
    created_at: str
    updated_at: str
    result_size: int
    target_preview_url: str
    notices: _containers.RepeatedCompositeFieldContainer[TaskNotice]
    def __init__(self, task_id: _Optional[str] = ..., status: _Optional[str] = ..., progress: _Optional[int] = ..., result_url: _Optional[str] = ..., error_message: _Optional[str] = ..., error_code: _Optional[str] = ..., energy_cost: _Optional[int] = ..., duration_seconds: _Optional[float] = ..., eta_seconds: _Optional[float] = ..., created_at: _Optional[str] = ..., updated_at: _Optional[str] = ..., result_size: _Optional[int] = ..., target_preview_url: _Optional[str] = ..., notices: _Optional[_Iterable[_Union[TaskNotice, _Mapping]]] = ...) -> None: ...

class TaskNotice(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class TaskStatusRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class StartUploadRequest(_message.Message):
    __slots__ = ("file_name", "file_type", "total_chunks", "sha256")
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    FILE_TYPE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CHUNKS_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    file_type: str
    total_chunks: int
    sha256: str
    def __init__(self, file_name: _Optional[str] = ..., file_type: _Optional[str] = ..., total_chunks: _Optional[int] = ..., sha256: _Optional[str] = ...) -> None: ...

class UploadStatusRequest(_message.Message):
    __slots__ = ("upload_id",)
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    def __init__(self, upload_id: _Optional[str] = ...) -> None: ...

class UploadStatus(_message.Message):
    __slots__ = ("upload_id", "status", "total_chunks", "received_chunks", "missing_chunks", "file_url", "error_message", "error_code")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CHUNKS_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_CHUNKS_FIELD_NUMBER: _ClassVar[int]
    MISSING_CHUNKS_FIELD_NUMBER: _ClassVar[int]
    FILE_URL_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    status: str
    total_chunks: int
    received_chunks: _containers.RepeatedScalarFieldContainer[int]
    missing_chunks: _containers.RepeatedScalarFieldContainer[int]
    file_url: str
    error_message: str
    error_code: str
    def __init__(self, upload_id: _Optional[str] = ..., status: _Optional[str] = ..., total_chunks: _Optional[int] = ..., received_chunks: _Optional[_Iterable[int]] = ..., missing_chunks: _Optional[_Iterable[int]] = ..., file_url: _Optional[str] = ..., error_message: _Optional[str] = ..., error_code: _Optional[str] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ("page_size", "cursor")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    cursor: str
    def __init__(self, page_size: _Optional[int] = ..., cursor: _Optional[str] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("tasks", "next_cursor")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[TaskResponse]
    next_cursor: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[TaskResponse, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class DownloadRequest(_message.Message):
    __slots__ = ("task_id", "offset")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    offset: int
    def __init__(self, task_id: _Optional[str] = ..., offset: _Optional[int] = ...) -> None: ...

class DownloadChunk(_message.Message):
    __slots__ = ("data", "offset", "total_size", "content_type")
    DATA_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    offset: int
    total_size: int
    content_type: str
    def __init__(self, data: _Optional[bytes] = ..., offset: _Optional[int] = ..., total_size: _Optional[int] = ..., content_type: _Optional[str] = ...) -> None: ...
