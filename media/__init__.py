"""Media: the processing pipeline that sniffs, validates and renders uploaded files."""
