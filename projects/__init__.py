"""Projects: producers' collaborative works, their asks, submissions and frozen releases."""
