"""Reusable Textual widgets of the tokendesk TUI (forms, sidebar, token panel, message list)."""
