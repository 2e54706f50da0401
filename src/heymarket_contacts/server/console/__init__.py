"""The web console (contract section 12): server-rendered pages under ``/console``."""
