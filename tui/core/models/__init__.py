"""Typed, validated models of what the vault holds: components and their tokens.

Models are frozen dataclasses validated in ``__post_init__``, so ``dataclasses.replace``
re-validates every change; validation raises ``tui.core.errors.ValidationError`` naming the
field. Checks that span several components (unique names and variables, known ``@Variable``
references) live in ``tui.core.records.Records``.

- ``base``: field checks shared by every model, and loading from the vault.
- ``oauth``: ``OAuthComponent`` and ``TokenRecord``.
- ``mail``: ``MailComponent``.
- ``presets``: the Microsoft and Google presets.
- ``field_help``: each field's label and one-line help, shared by both faces.
"""
