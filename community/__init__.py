"""Community: comments, following artists and projects, and reports of abuse or infringement."""
