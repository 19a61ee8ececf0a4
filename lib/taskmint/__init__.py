"""taskmint: collision-free task IDs and PM-tool external IDs for Markdown task files."""
__version__ = "0.1.0"
