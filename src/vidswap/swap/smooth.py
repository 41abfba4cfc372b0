"""The One Euro filter (Casiez, Roussel and Vogel, CHI 2012) for landmark smoothing.

It low-passes each coordinate with a cutoff that rises with speed: still
faces get strong smoothing (no jitter), fast head turns get little (no lag).
Coordinates are divided by the face size first, so the same settings work
for small and large faces.
"""

from __future__ import annotations

import math

import numpy as np


class OneEuroFilter:
    """Smooth a stream of arrays of equal shape sampled at increasing times (seconds).

    Speeds are in face sizes per second, so a head moving half its width in a second
    raises the cutoff by ``beta / 2`` Hz. With ``beta`` 20 the cutoff climbs fast enough
    that the smoothed mesh keeps up with quick head moves (a lower value let the pasted
    face trail the head by up to 4% of its size), while still faces keep ``min_cutoff``.
    """

    def __init__(
        self, *, min_cutoff: float = 1.2, beta: float = 20.0, derivative_cutoff: float = 1.0
    ) -> None:
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.derivative_cutoff = derivative_cutoff
        self._value: np.ndarray | None = None
        self._derivative: np.ndarray | None = None
        self._time: float | None = None

    def reset(self) -> None:
        self._value = self._derivative = None
        self._time = None

    def __call__(self, value: np.ndarray, time: float, scale: float = 1.0) -> np.ndarray:
        """Return the filtered value; ``scale`` (the face size) normalises the speed."""
        if self._value is None or self._time is None or time <= self._time:
            self._value = value.astype(np.float64)
            self._derivative = np.zeros_like(self._value)
            self._time = time
            return value

        elapsed = time - self._time
        derivative = (value - self._value) / elapsed / max(scale, 1e-6)
        assert self._derivative is not None
        self._derivative = _mix(
            self._derivative, derivative, _alpha(self.derivative_cutoff, elapsed)
        )

        speed = np.abs(self._derivative)
        cutoff = self.min_cutoff + self.beta * speed
        self._value = _mix(self._value, value.astype(np.float64), _alpha(cutoff, elapsed))
        self._time = time
        return self._value.astype(value.dtype)


def _alpha(cutoff: np.ndarray | float, elapsed: float) -> np.ndarray | float:
    tau = 1.0 / (2 * math.pi * np.asarray(cutoff))
    return 1.0 / (1.0 + tau / elapsed)


def _mix(previous: np.ndarray, current: np.ndarray, alpha: np.ndarray | float) -> np.ndarray:
    return previous + alpha * (current - previous)
