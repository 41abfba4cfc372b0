"""Notifications: the task event bus and the WebSocket of a user's task events."""
