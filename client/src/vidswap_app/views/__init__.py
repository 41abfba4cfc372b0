"""Flet views of each screen; they draw their view model's state and forward taps to it."""
