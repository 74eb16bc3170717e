"""Accounts: the custom user model (artists, producers, staff), profiles and the auth API."""
