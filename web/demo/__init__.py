"""The demo platform `manage.py seed_demo` makes: its media, its plan and the seeder."""
