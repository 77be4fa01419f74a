"""The Textual face: the app, its screens, widgets, palette and messages.

It calls the core (``tui.core``) and never the command-line face.
"""
