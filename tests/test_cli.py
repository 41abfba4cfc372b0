"""The ``vidswap swap`` command, run as a subprocess on real photos and videos.

Every bad input must exit with status 2 and one line on stderr that names the
file, with no traceback and nothing written to the output folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from tests.shared_media import require_cjk_font, shared_face, shared_video
from vidswap.cli import main
from vidswap.swap.options import LABEL_METADATA_VALUE

EXIF_IMAGE_DESCRIPTION = 0x010E
SHORT_CLIP = "indoor-group-event-1s-hevc-ccby.mp4"
SHORT_CLIP_FRAMES = 31
# About 4 s of video: long enough to interrupt in the middle.
LONG_CLIP = "obama-weekly-address-talking-720p-a.mp4"
COMMAND_TIMEOUT_SECONDS = 300


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def english_env() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("LC_")}
    env.pop("VIDSWAP_LOCALE", None)
    env.pop("LANGUAGE", None)
    env.pop("VIDSWAP_DEBUG", None)
    env["LANG"] = "C.UTF-8"
    return env


def vidswap_command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "vidswap", "swap", *map(str, args)]


def run_vidswap(*args: str | Path, env: dict[str, str] | None = None) -> Run:
    completed = subprocess.run(
        vidswap_command(*args),
        capture_output=True,
        text=True,
        env=env or english_env(),
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


def video_packet_bytes(path: Path) -> int:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sum(packet.size for packet in container.demux(stream) if packet.size)


def count_video_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def has_audio(path: Path) -> bool:
    with av.open(str(path)) as container:
        return bool(container.streams.audio)


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


# Photo targets.


def test_photo_swap_succeeds(out_dir: Path) -> None:
    target = shared_face("biden-official-vp-portrait-2013.jpg")
    output = out_dir / "swapped.jpg"

    run = run_vidswap(
        "--face", shared_face("obama-official-portrait-2012.jpg"), "--target", target,
        "--output", output,
    )  # fmt: skip

    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert str(output) in run.stdout
    assert "the face was swapped" in run.stdout
    with Image.open(output) as written, Image.open(target) as original:
        assert written.format == "JPEG"
        assert written.size == original.size
        assert written.getexif()[EXIF_IMAGE_DESCRIPTION] == LABEL_METADATA_VALUE
        written_pixels = np.asarray(written.convert("RGB"), dtype=np.int16)
        original_pixels = np.asarray(original.convert("RGB"), dtype=np.int16)
    assert np.abs(written_pixels - original_pixels).mean() > 1.0
    assert sorted(out_dir.iterdir()) == [output]


def test_photo_without_face_summary(out_dir: Path) -> None:
    output = out_dir / "cup.png"

    run = run_vidswap(
        "--face", shared_face("obama-official-portrait-2012.jpg"),
        "--target", shared_face("no-face-coffee-cup-cc0.png"), "--output", output,
    )  # fmt: skip

    assert run.returncode == 0, run.stderr
    assert "No face was found in" in run.stderr
    assert "no face was swapped" in run.stdout
    assert "frame(s)" not in run.stdout


def corner_difference(output: Path, target: Path) -> int:
    """Return the largest pixel change in the bottom-right 30x120 corner of a PNG output."""
    with Image.open(output) as written, Image.open(target) as original:
        written_pixels = np.asarray(written.convert("RGB"), dtype=np.int16)
        original_pixels = np.asarray(original.convert("RGB"), dtype=np.int16)
    corner = (slice(-30, None), slice(-120, None))
    return int(np.abs(written_pixels[corner] - original_pixels[corner]).max())


def test_no_label_keeps_corner(out_dir: Path) -> None:
    target = shared_face("eileen-collins-astronaut-nasa.png")
    face = shared_face("biden-official-vp-portrait-2013.jpg")
    labelled = out_dir / "labelled.png"
    unlabelled = out_dir / "unlabelled.png"

    labelled_run = run_vidswap("--face", face, "--target", target, "--output", labelled, "--label")
    unlabelled_run = run_vidswap(
        "--face", face, "--target", target, "--output", unlabelled, "--no-label"
    )

    assert labelled_run.returncode == 0, labelled_run.stderr
    assert unlabelled_run.returncode == 0, unlabelled_run.stderr
    assert corner_difference(unlabelled, target) == 0
    assert corner_difference(labelled, target) > 40


def changed_width(output: Path, target: Path) -> int:
    """Return how far from the right edge the bottom 80 rows of a PNG output changed."""
    with Image.open(output) as written, Image.open(target) as original:
        written_pixels = np.asarray(written.convert("RGB"), dtype=np.int16)
        original_pixels = np.asarray(original.convert("RGB"), dtype=np.int16)
    changed = np.nonzero(np.abs(written_pixels[-80:] - original_pixels[-80:]).max(axis=(0, 2)))[0]
    return written_pixels.shape[1] - int(changed.min())


def test_label_follows_locale(out_dir: Path) -> None:
    require_cjk_font()
    target = shared_face("eileen-collins-astronaut-nasa.png")
    face = shared_face("biden-official-vp-portrait-2013.jpg")
    widths = {}
    for locale in ("en", "zh-CN"):
        env = english_env()
        env["VIDSWAP_LOCALE"] = locale
        output = out_dir / f"{locale}.png"

        run = run_vidswap("--face", face, "--target", target, "--output", output, env=env)

        assert run.returncode == 0, run.stderr
        widths[locale] = changed_width(output, target)
    # "AI生成" is about half as wide as "AI-generated".
    assert widths["zh-CN"] < 0.75 * widths["en"]


# Video targets. One module-wide run per option set, shared by the tests below.


@pytest.fixture(scope="module")
def video_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Run, Path]]:
    folder = tmp_path_factory.mktemp("cli-video")
    face = shared_face("obama-official-portrait-2012.jpg")
    target = shared_video(SHORT_CLIP)
    option_sets = {
        "quality 10": ["--quality", "10", "--progress"],
        "quality 51": ["--quality", "51", "--no-audio"],
    }
    runs = {}
    for name, options in option_sets.items():
        output = folder / f"{name.replace(' ', '-')}.mp4"
        run = run_vidswap("--face", face, "--target", target, "--output", output, *options)
        runs[name] = (run, output)
    return runs


def test_video_swap_succeeds(video_runs: dict[str, tuple[Run, Path]]) -> None:
    run, output = video_runs["quality 10"]

    assert run.returncode == 0, run.stderr
    assert f"{SHORT_CLIP_FRAMES} frame(s)" in run.stdout
    assert count_video_frames(output) == SHORT_CLIP_FRAMES
    assert has_audio(output)
    with av.open(str(output)) as container:
        assert container.metadata.get("comment") == LABEL_METADATA_VALUE


def test_video_stderr_clean(video_runs: dict[str, tuple[Run, Path]]) -> None:
    run, _ = video_runs["quality 51"]

    assert run.returncode == 0, run.stderr
    assert run.stderr == ""


def test_progress_bar_drawn(video_runs: dict[str, tuple[Run, Path]]) -> None:
    run, _ = video_runs["quality 10"]

    assert f"{SHORT_CLIP_FRAMES}/{SHORT_CLIP_FRAMES}" in run.stderr
    assert "frames/s" in run.stderr
    assert "ETA" in run.stderr
    assert "INFO: Created TensorFlow Lite" not in run.stderr
    assert "W0000" not in run.stderr


def test_no_audio_drops_audio(video_runs: dict[str, tuple[Run, Path]]) -> None:
    run, output = video_runs["quality 51"]

    assert run.returncode == 0, run.stderr
    assert has_audio(shared_video(SHORT_CLIP))
    assert not has_audio(output)
    assert count_video_frames(output) == SHORT_CLIP_FRAMES


def test_quality_sets_size(video_runs: dict[str, tuple[Run, Path]]) -> None:
    _, fine = video_runs["quality 10"]
    _, coarse = video_runs["quality 51"]

    fine_bytes = video_packet_bytes(fine)
    coarse_bytes = video_packet_bytes(coarse)

    assert coarse_bytes * 4 < fine_bytes


# Bad input: exit 2, one line naming the file, nothing written.


def make_audio_only(path: Path) -> Path:
    rate = 48000
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("aac", rate=rate, layout="stereo")
        for start in range(0, rate, 1024):
            samples = np.zeros((2, 1024), dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="stereo")
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def make_truncated(source: Path, path: Path, keep_fraction: float) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep_fraction)])
    return path


@dataclass(frozen=True)
class BadCase:
    """A bad command line: ``build(tmp_path, out_dir)`` returns the arguments and the path
    that the error message must name, and ``fragment`` is text the message must contain."""

    build: Callable[[Path, Path], tuple[list[str | Path], Path]]
    fragment: str


def face_photo() -> Path:
    return shared_face("obama-official-portrait-2012.jpg")


def photo_target() -> Path:
    return shared_face("biden-official-vp-portrait-2013.jpg")


def bad_face(face: Path, out_dir: Path) -> tuple[list[str | Path], Path]:
    return ["--face", face, "--target", photo_target(), "--output", out_dir / "o.jpg"], face


def bad_target(target: Path, out_dir: Path, extension: str = ".mp4") -> list[str | Path]:
    return ["--face", face_photo(), "--target", target, "--output", out_dir / f"o{extension}"]


def text_file(path: Path) -> Path:
    path.write_text("shopping list: eggs, milk\n")
    return path


def empty_file(path: Path) -> Path:
    path.touch()
    return path


BAD_INPUTS = {
    "missing face": BadCase(lambda tmp, out: bad_face(tmp / "nobody.jpg", out), "File not found: "),
    "face is folder": BadCase(lambda tmp, out: bad_face(tmp, out), "it is a folder, not a file"),
    "empty face": BadCase(
        lambda tmp, out: bad_face(empty_file(tmp / "empty.jpg"), out), "is empty (0 bytes)"
    ),
    "truncated face": BadCase(
        lambda tmp, out: bad_face(make_truncated(face_photo(), tmp / "cut.jpg", 0.1), out),
        "is damaged or incomplete",
    ),
    "text as face": BadCase(
        lambda tmp, out: bad_face(text_file(tmp / "notes.txt"), out),
        "is not a supported photo, so choose a JPEG",
    ),
    "audio-only face": BadCase(
        lambda tmp, out: bad_face(make_audio_only(tmp / "a.m4a"), out),
        "is not a supported photo, so choose a JPEG",
    ),
    "video as face": BadCase(
        lambda tmp, out: bad_face(shared_video(SHORT_CLIP), out),
        "is a video, but a photo is needed here",
    ),
    "no face in photo": BadCase(
        lambda tmp, out: bad_face(shared_face("no-face-coffee-cup-cc0.png"), out),
        "No face was found in ",
    ),
    "missing target": BadCase(
        lambda tmp, out: (bad_target(tmp / "gone.mp4", out), tmp / "gone.mp4"),
        "File not found: ",
    ),
    "empty target": BadCase(
        lambda tmp, out: (bad_target(empty_file(tmp / "e.mp4"), out), tmp / "e.mp4"),
        "is empty (0 bytes)",
    ),
    "truncated target": BadCase(
        lambda tmp, out: (
            bad_target(make_truncated(shared_video(LONG_CLIP), tmp / "cut.mp4", 0.5), out),
            tmp / "cut.mp4",
        ),
        "is damaged or incomplete",
    ),
    "text as target": BadCase(
        lambda tmp, out: (bad_target(text_file(tmp / "notes.txt"), out), tmp / "notes.txt"),
        "is not a supported image or video",
    ),
    "audio-only target": BadCase(
        lambda tmp, out: (bad_target(make_audio_only(tmp / "a.m4a"), out), tmp / "a.m4a"),
        "has no video stream",
    ),
    "output folder missing": BadCase(
        lambda tmp, out: (
            bad_target(photo_target(), out / "no-such-folder", ".jpg"),
            out / "no-such-folder",
        ),
        "does not exist",
    ),
    "output is folder": BadCase(
        lambda tmp, out: (
            ["--face", face_photo(), "--target", photo_target(), "--output", out],
            out,
        ),
        "is a folder, so give a file name",
    ),
    "video output for photo": BadCase(
        lambda tmp, out: (bad_target(photo_target(), out, ".mp4"), out / "o.mp4"),
        "has the extension '.mp4'",
    ),
    "photo output for video": BadCase(
        lambda tmp, out: (bad_target(shared_video(SHORT_CLIP), out, ".jpg"), out / "o.jpg"),
        "has the extension '.jpg'",
    ),
    "reference not in target": BadCase(
        lambda tmp, out: (
            [
                *bad_target(photo_target(), out, ".jpg"),
                "--reference",
                shared_face("eileen-collins-astronaut-nasa.png"),
            ],
            shared_face("eileen-collins-astronaut-nasa.png"),
        ),
        "was not found in ",
    ),  # fmt: skip
    "missing label font": BadCase(
        lambda tmp, out: (
            [*bad_target(photo_target(), out, ".jpg"), "--label-font", tmp / "none.ttf"],
            tmp / "none.ttf",
        ),
        "The label font file ",
    ),
    "text as label font": BadCase(
        lambda tmp, out: (
            [*bad_target(photo_target(), out, ".jpg"), "--label-font", text_file(tmp / "f.ttf")],
            tmp / "f.ttf",
        ),
        "cannot be read as a TrueType or OpenType font",
    ),
    "audio-only reference": BadCase(
        lambda tmp, out: (
            [
                *bad_target(photo_target(), out, ".jpg"),
                "--reference",
                make_audio_only(tmp / "a.mp4"),
            ],
            tmp / "a.mp4",
        ),
        "is not a supported photo, so choose a JPEG",
    ),
    "missing reference": BadCase(
        lambda tmp, out: (
            [*bad_target(photo_target(), out, ".jpg"), "--reference", tmp / "who.jpg"],
            tmp / "who.jpg",
        ),
        "File not found: ",
    ),
}


def assert_rejected(run: Run, fragment: str, named: Path, out_dir: Path) -> None:
    assert run.returncode == 2, run.stderr
    assert fragment in run.stderr
    assert str(named) in run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert run.stdout == ""
    assert sorted(out_dir.rglob("*")) == []


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_rejected(tmp_path: Path, out_dir: Path, case: str) -> None:
    bad = BAD_INPUTS[case]
    args, named = bad.build(tmp_path, out_dir)

    run = run_vidswap(*args)

    assert_rejected(run, bad.fragment, named, out_dir)


def test_text_named_jpg_rejected(tmp_path: Path, out_dir: Path) -> None:
    face = text_file(tmp_path / "notes.jpg")

    run = run_vidswap(*bad_face(face, out_dir)[0])

    assert_rejected(run, "is not a supported photo", face, out_dir)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of permission bits")
def test_unreadable_face_rejected(tmp_path: Path, out_dir: Path) -> None:
    face = tmp_path / "locked.jpg"
    shutil.copyfile(face_photo(), face)
    face.chmod(0)

    run = run_vidswap(*bad_face(face, out_dir)[0])

    assert_rejected(run, "permission denied", face, out_dir)


def test_quality_out_of_range(out_dir: Path) -> None:
    run = run_vidswap(*bad_target(photo_target(), out_dir, ".jpg"), "--quality", "52")

    assert run.returncode == 2
    assert "Invalid value for '--quality': 52 is not in the range 0<=x<=51." in run.stderr
    assert "Traceback" not in run.stderr
    assert sorted(out_dir.iterdir()) == []


def test_reference_mode_needs_photo(out_dir: Path) -> None:
    run = run_vidswap(*bad_target(photo_target(), out_dir, ".jpg"), "--faces", "reference")

    assert run.returncode == 2
    assert run.stderr.strip() == (
        "Error: --faces reference needs --reference IMAGE_OF_WHO_TO_REPLACE, "
        "a photo of the person to replace."
    )
    assert sorted(out_dir.iterdir()) == []


def test_reference_conflicts_with_all(out_dir: Path) -> None:
    args = bad_target(photo_target(), out_dir, ".jpg")

    run = run_vidswap(*args, "--faces", "all", "--reference", photo_target())

    assert run.returncode == 2
    assert "cannot be combined with --faces all" in run.stderr
    assert sorted(out_dir.iterdir()) == []


def test_missing_option_usage(out_dir: Path) -> None:
    run = run_vidswap("--face", face_photo(), "--target", photo_target())

    assert run.returncode == 2
    assert "Error: Missing option '--output'." in run.stderr
    assert "Traceback" not in run.stderr


# Locale.


def test_chinese_message_from_lang(tmp_path: Path, out_dir: Path) -> None:
    env = english_env()
    env["LANG"] = "zh_CN.UTF-8"
    missing = tmp_path / "不存在.jpg"

    run = run_vidswap(*bad_face(missing, out_dir)[0], env=env)

    assert run.returncode == 2
    assert run.stderr.strip() == f"错误：找不到文件：{missing}，请检查路径后重试。"


def chinese_env() -> dict[str, str]:
    env = english_env()
    env["VIDSWAP_LOCALE"] = "zh-CN"
    return env


def test_chinese_folder_message(tmp_path: Path, out_dir: Path) -> None:
    run = run_vidswap(*bad_face(tmp_path, out_dir)[0], env=chinese_env())

    assert run.returncode == 2
    assert (
        run.stderr.strip()
        == f"错误：无法读取 {tmp_path}（它是文件夹，不是文件），请确认它是可读的文件。"
    )


def test_chinese_label_font_message(tmp_path: Path, out_dir: Path) -> None:
    font = text_file(tmp_path / "notes.txt")
    args = [*bad_target(photo_target(), out_dir, ".jpg"), "--label-font", font]

    run = run_vidswap(*args, env=chinese_env())

    assert run.returncode == 2
    assert run.stderr.strip() == (
        f"错误：无法将标识字体文件 {font} 读取为 TrueType 或 OpenType 字体，请换用其他字体文件。"
    )
    assert sorted(out_dir.iterdir()) == []


def test_locale_override_wins(tmp_path: Path, out_dir: Path) -> None:
    env = english_env()
    env["LANG"] = "zh_CN.UTF-8"
    env["VIDSWAP_LOCALE"] = "en"
    missing = tmp_path / "nobody.jpg"

    run = run_vidswap(*bad_face(missing, out_dir)[0], env=env)

    assert run.returncode == 2
    assert run.stderr.strip() == f"Error: File not found: {missing} (check the path and try again)."


def test_chinese_usage_message(out_dir: Path) -> None:
    env = english_env()
    env["VIDSWAP_LOCALE"] = "zh-CN"

    run = run_vidswap(*bad_target(photo_target(), out_dir, ".jpg"), "--faces", "reference", env=env)

    assert run.returncode == 2
    assert (
        run.stderr.strip()
        == "错误：--faces reference 需要用 --reference 指定一张要替换的人的照片。"
    )


# Interruption: no output and no temporary file may stay behind.


def interrupt_mid_swap(out_dir: Path, signal_number: int) -> Run:
    """Start a video swap, send ``signal_number`` once its encoder has started, and wait."""
    output = out_dir / "interrupted.mp4"
    command = vidswap_command(
        "--face", face_photo(), "--target", shared_video(LONG_CLIP), "--output", output
    )
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=english_env(),
        # A shell that starts pytest in the background makes children ignore SIGINT.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
    # The writer creates its temporary file next to the output before the first frame.
    while not any(out_dir.iterdir()) and process.poll() is None:
        assert time.monotonic() < deadline, "the swap never started writing"
        time.sleep(0.05)
    time.sleep(1.0)
    assert process.poll() is None, "the swap finished before it could be interrupted"
    process.send_signal(signal_number)
    stdout, stderr = process.communicate(timeout=COMMAND_TIMEOUT_SECONDS)
    return Run(process.returncode, stdout, stderr)


def test_ctrl_c_leaves_nothing(out_dir: Path) -> None:
    run = interrupt_mid_swap(out_dir, signal.SIGINT)

    assert run.returncode == 130
    assert run.stderr.strip() == "Interrupted; no output was written."
    assert sorted(out_dir.iterdir()) == []


def test_sigterm_leaves_nothing(out_dir: Path) -> None:
    run = interrupt_mid_swap(out_dir, signal.SIGTERM)

    assert run.returncode == 143
    assert run.stderr.strip() == "Interrupted; no output was written."
    assert sorted(out_dir.iterdir()) == []


# The console script that `pip install -e .` puts next to this interpreter.
CONSOLE_SCRIPT = Path(sys.executable).parent / "vidswap"
# Python starts in about 0.05 s and importing vidswap.cli takes about a second,
# so a signal sent after 0.2 s arrives while vidswap.cli is being imported.
EARLY_INTERRUPT_SECONDS = 0.2
INTERRUPTED_MESSAGES = {
    "en": "Interrupted; no output was written.",
    "zh-CN": "已中断，未写入任何输出。",
}


def interrupt_at_start(command: list[str], env: dict[str, str]) -> Run:
    """Start ``command``, send SIGINT after EARLY_INTERRUPT_SECONDS, and wait."""
    # A busy machine can delay Python's start past the signal, so that SIGINT
    # kills it before Python handles the signal; such a run is retried.
    for _attempt in range(3):
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        time.sleep(EARLY_INTERRUPT_SECONDS)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=COMMAND_TIMEOUT_SECONDS)
        if process.returncode != -signal.SIGINT or stderr:
            break
    return Run(process.returncode, stdout, stderr)


@pytest.mark.parametrize("locale", sorted(INTERRUPTED_MESSAGES))
@pytest.mark.parametrize("launcher", ["module", "script"])
def test_ctrl_c_during_import(out_dir: Path, launcher: str, locale: str) -> None:
    args = bad_target(shared_video(SHORT_CLIP), out_dir)
    if launcher == "script":
        assert CONSOLE_SCRIPT.exists(), "install vidswap with pip install -e ."
        command = [str(CONSOLE_SCRIPT), "swap", *map(str, args)]
    else:
        command = vidswap_command(*args)
    env = english_env()
    env["VIDSWAP_LOCALE"] = locale

    run = interrupt_at_start(command, env)

    assert "Traceback" not in run.stderr
    assert run.stderr.strip() == INTERRUPTED_MESSAGES[locale]
    assert run.returncode == 130
    assert sorted(out_dir.iterdir()) == []


def test_ctrl_c_during_font_search(monkeypatch: pytest.MonkeyPatch, out_dir: Path) -> None:
    def interrupted(*args: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("vidswap.swap.media.label.label_text_for", interrupted)
    monkeypatch.setenv("VIDSWAP_LOCALE", "en")
    args = ["swap", *map(str, bad_target(photo_target(), out_dir, ".jpg"))]

    result = CliRunner().invoke(main, args)

    assert result.exit_code == 130
    assert result.stderr.strip() == INTERRUPTED_MESSAGES["en"]
    assert sorted(out_dir.iterdir()) == []


# Internal failure, driven in-process with an engine that raises.


class BrokenEngine:
    def __init__(self, options: object) -> None:
        pass

    def swap_file(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated failure")

    def close(self) -> None:
        pass


def test_internal_error_exit_one(monkeypatch: pytest.MonkeyPatch, out_dir: Path) -> None:
    monkeypatch.setattr("vidswap.swap.pipeline.SwapEngine", BrokenEngine)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("VIDSWAP_LOCALE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.delenv("VIDSWAP_DEBUG", raising=False)
    args = ["swap", *map(str, bad_target(photo_target(), out_dir, ".jpg"))]

    result = CliRunner().invoke(main, args)

    assert result.exit_code == 1
    assert "Internal error: RuntimeError. Run again with VIDSWAP_DEBUG=1" in result.stderr
    assert sorted(out_dir.iterdir()) == []


DEBUG_INTERNAL_MESSAGES = {
    "en": "Internal error: RuntimeError. The traceback is in the log above.",
    "zh-CN": "内部错误：RuntimeError。错误的回溯信息见上方日志。",
}


@pytest.mark.parametrize("locale", sorted(DEBUG_INTERNAL_MESSAGES))
def test_internal_error_debug_message(
    monkeypatch: pytest.MonkeyPatch, out_dir: Path, locale: str
) -> None:
    monkeypatch.setattr("vidswap.swap.pipeline.SwapEngine", BrokenEngine)
    monkeypatch.setenv("VIDSWAP_LOCALE", locale)
    monkeypatch.setenv("VIDSWAP_DEBUG", "1")
    args = ["swap", *map(str, bad_target(photo_target(), out_dir, ".jpg"))]

    result = CliRunner().invoke(main, args)

    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == DEBUG_INTERNAL_MESSAGES[locale]
    assert "VIDSWAP_DEBUG=1" not in result.stderr
    assert "Traceback" in result.stderr
    assert "simulated failure" in result.stderr
    assert sorted(out_dir.iterdir()) == []


@pytest.mark.parametrize("which", ["target", "face"])
def test_output_over_input_rejected(tmp_path: Path, which: str) -> None:
    target = tmp_path / "target.jpg"
    face = tmp_path / "face.jpg"
    shutil.copyfile(photo_target(), target)
    shutil.copyfile(face_photo(), face)
    before = {path: path.read_bytes() for path in (target, face)}
    output = target if which == "target" else face

    run = run_vidswap("--face", face, "--target", target, "--output", output)

    assert run.returncode == 2
    assert f"The output {output} is also an input of this swap" in run.stderr
    assert {path: path.read_bytes() for path in (target, face)} == before


def test_output_without_extension_rejected(tmp_path: Path, out_dir: Path) -> None:
    output = out_dir / "swapped"

    run = run_vidswap("--face", face_photo(), "--target", photo_target(), "--output", output)

    assert run.returncode == 2
    assert f"The output {output} has no file extension" in run.stderr
    assert ".jpg" in run.stderr
    assert sorted(out_dir.rglob("*")) == []
