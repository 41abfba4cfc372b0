"""atomic_output: the output appears only on success, and temporary files never stay behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidswap.swap.errors import OutputNotWritableError
from vidswap.swap.media.atomic import atomic_output


def test_atomic_output_replaces_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.png"
    target.write_bytes(b"old")

    with atomic_output(target) as temp:
        assert temp.parent == tmp_path
        assert temp.suffix == ".png"
        temp.write_bytes(b"new")

    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_atomic_output_cleans_up_on_error(tmp_path: Path, error: type[BaseException]) -> None:
    target = tmp_path / "out.mp4"
    target.write_bytes(b"old")

    with pytest.raises(error), atomic_output(target) as temp:
        temp.write_bytes(b"partial")
        raise error

    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]


def test_atomic_output_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "out.jpg"

    with pytest.raises(OutputNotWritableError) as error, atomic_output(target):
        pass

    assert str(target) in str(error.value)
    assert "does not exist" in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_atomic_output_path_is_folder(tmp_path: Path) -> None:
    target = tmp_path / "taken.jpg"
    target.mkdir()

    with pytest.raises(OutputNotWritableError) as error, atomic_output(target):
        pass

    assert str(target) in str(error.value)
    assert [p.name for p in tmp_path.iterdir()] == ["taken.jpg"]
    assert list(target.iterdir()) == []


def test_atomic_output_nothing_written(tmp_path: Path) -> None:
    target = tmp_path / "out.jpg"

    with pytest.raises(OutputNotWritableError), atomic_output(target):
        pass

    assert list(tmp_path.iterdir()) == []
