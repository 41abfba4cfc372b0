from __future__ import annotations

import numpy as np

from vidswap.swap.smooth import OneEuroFilter


def test_still_signal_jitter_reduced() -> None:
    rng = np.random.default_rng(7)
    one_euro = OneEuroFilter()
    noisy = 100.0 + rng.normal(0, 1.0, size=(90, 4))

    smoothed = np.array([one_euro(row, index / 30, scale=100.0) for index, row in enumerate(noisy)])

    raw_jitter = np.abs(np.diff(noisy[30:], axis=0)).mean()
    smoothed_jitter = np.abs(np.diff(smoothed[30:], axis=0)).mean()
    assert smoothed_jitter < raw_jitter * 0.5


def test_fast_motion_followed() -> None:
    one_euro = OneEuroFilter()
    positions = [np.array([float(index * 8)]) for index in range(30)]

    outputs = [one_euro(value, index / 30, scale=100.0) for index, value in enumerate(positions)]

    lag = positions[-1][0] - outputs[-1][0]
    assert 0 <= lag < 16


def test_time_going_back_resets() -> None:
    one_euro = OneEuroFilter()
    one_euro(np.array([0.0]), 1.0)

    restarted = one_euro(np.array([50.0]), 0.5)

    assert restarted[0] == 50.0


def test_steady_head_move_does_not_trail() -> None:
    # A head moving half its width per second, at 30 fps: the pasted face must stay
    # within 2% of the face size of it, or it visibly slides against the head.
    one_euro = OneEuroFilter()
    face = 100.0
    positions = [np.array([index * face * 0.5 / 30]) for index in range(60)]

    outputs = [one_euro(value, index / 30, scale=face) for index, value in enumerate(positions)]

    lag = positions[-1][0] - outputs[-1][0]
    assert 0 <= lag < 0.02 * face
