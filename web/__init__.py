"""Web: the server-rendered pages people use, over the same services as the API."""
