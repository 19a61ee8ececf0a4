"""The Claude Code side of taskmint: hook handlers, slash commands and dependency provisioning.

Every hook starts in ``entry`` (standard library only); the other modules are imported only
once a call is known to concern taskmint.
"""
