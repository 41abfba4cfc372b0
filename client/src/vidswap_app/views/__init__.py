"""Flet views of each screen. Each draws its view model's state and forwards taps to it."""
