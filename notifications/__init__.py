"""Notifications: telling people directly, in the app and by email, what happened to their work."""
