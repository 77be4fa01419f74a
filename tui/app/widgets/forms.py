"""What both component forms share: fields by key, dirty tracking, inline model validation.

A form never validates by itself: ``build()`` turns the fields into the model
(``OAuthComponent`` / ``MailComponent``), whose ``__post_init__`` raises ``ValidationError``
naming the field, and ``Records.check`` adds the cross-component rules. The error is shown
under that field once the user has touched it (or tried to save).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Select, TextArea

from tui.app.next_step import advice_text
from tui.app.widgets.field import Field
from tui.core.errors import ValidationError
from tui.core.records import Component, Records


def int_field(value: str, key: str, label: str, *, empty: int = 0) -> int:
    """Parse a whole number typed in a field, or raise ValidationError for ``key``."""
    value = value.strip()
    if not value:
        return empty
    try:
        return int(value, 10)
    except ValueError:
        raise ValidationError(f"{label} must be a whole number, got {value!r}", field=key) from None


class ComponentForm(Vertical):
    """Base class of the OAuth2 and inbound email forms."""

    DEFAULT_CSS = """
    ComponentForm {
        height: auto;
    }
    """

    @dataclass
    class DirtyChanged(Message):
        """The form's unsaved-changes state flipped."""

        form: ComponentForm
        dirty: bool

    @dataclass
    class Validated(Message):
        """The form was validated; ``error`` is the first problem ("" when valid)."""

        form: ComponentForm
        error: str

    KIND = ""

    def __init__(
        self,
        records: Records,
        component: Component | None,
        *,
        autofocus: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.autofocus = autofocus
        self.records = records
        self.component = component
        self.original_name: str | None = component.name if component else None
        self._initial: dict[str, Any] = {}
        self._touched: set[str] = set()
        self._show_all = False
        self._dirty = False
        self._tracking = False

    # ---------------------------------------------------------------- subclass API
    def values(self) -> dict[str, Any]:
        """The raw field values (strings, select values), keyed by field key."""
        raise NotImplementedError

    def build(self) -> Component:
        """The component the fields describe; raises ValidationError."""
        raise NotImplementedError

    def load(self, values: dict[str, Any]) -> None:
        """Put ``values`` (as returned by ``values()``) back into the fields."""
        raise NotImplementedError

    # ------------------------------------------------------------------- behaviour
    def on_mount(self) -> None:
        # The clean state is taken at once; edits count only after the first refresh, once
        # the controls' own initial Changed messages have gone by.
        self._initial = self.values()
        self.call_after_refresh(self._mark_ready)
        if self.autofocus:
            self.call_after_refresh(self.focus_first)

    def _mark_ready(self) -> None:
        if self.is_attached and not self._closing:
            self._tracking = True

    @property
    def is_new(self) -> bool:
        """True for a component that is not saved yet."""
        return self.original_name is None

    @property
    def dirty(self) -> bool:
        """True when the fields differ from what was loaded (or it is new and edited)."""
        if not self._initial or not self.is_attached or self._closing:
            return False
        return self.values() != self._initial

    def focus_first(self, *, select: bool = True) -> None:
        """Focus the first enabled control of the form (``select``: its text selected)."""
        for widget in self.query("Input, Select, TextArea, Checkbox"):
            if widget.focusable:
                if isinstance(widget, Input) and not select:
                    _focus_without_selecting(widget)
                    return
                widget.focus()
                return

    def field(self, key: str) -> Field:
        return self.query_one(f"#field-{key}", Field)

    def fields(self) -> list[Field]:
        return list(self.query(Field))

    def check(self, *, show_all: bool = False) -> Component | None:
        """Validate; show the first error at its field. Returns the component or None."""
        if show_all:
            self._show_all = True
        for field in self.fields():
            field.set_error(None)
        try:
            comp = self.build()
            self.records.check(comp, replacing=self.original_name)
        except ValidationError as exc:
            more = advice_text(exc.advice, exc.next_step)
            message = exc.message + (f" ({more})" if more else "")
            key = exc.field or ""
            if self._show_all or key in self._touched:
                target = self._field_or_none(key)
                if target is not None:
                    target.set_error(message)
            self.post_message(self.Validated(self, message))
            return None
        self.post_message(self.Validated(self, ""))
        return comp

    def focus_error(self) -> None:
        """Focus the first field that shows an error (it scrolls into view)."""
        for field in self.fields():
            if field.is_invalid:
                for widget in field.query("Input, Select, TextArea, Checkbox"):
                    if widget.focusable:
                        widget.focus()
                        return

    def show_error(self, exc: ValidationError) -> None:
        """Show an error raised later (by the save) at its field."""
        target = self._field_or_none(exc.field or "")
        if target is not None:
            target.set_error(exc.message)
            target.control.focus()
        self.post_message(self.Validated(self, exc.message))

    def _field_or_none(self, key: str) -> Field | None:
        if not key:
            return None
        matches = self.query(f"#field-{key}")
        return matches.first(Field) if matches else None

    def mark_saved(self, component: Component) -> None:
        """The save succeeded: the current values become the clean state."""
        self.component = component
        self.original_name = component.name
        self._initial = self.values()
        self._touched.clear()
        self._show_all = False
        self._changed()

    def discard(self) -> None:
        """Put back the values as last loaded or saved."""
        self.load(self._initial)
        self._touched.clear()
        self._show_all = False
        for field in self.fields():
            field.set_error(None)
        self._changed()

    def _changed(self) -> None:
        dirty = self.dirty
        if dirty != self._dirty:
            self._dirty = dirty
            self.post_message(self.DirtyChanged(self, dirty))

    def _key_of(self, widget: Any) -> str | None:
        node = widget
        while node is not None and node is not self:
            if isinstance(node, Field):
                return node.key
            node = node.parent
        return None

    def _on_edit(self, widget: Any) -> None:
        if not self._tracking or not self.is_attached or self._closing:
            return
        key = self._key_of(widget)
        if key:
            self._touched.add(key)
        self.on_field_changed(key)
        self.check()
        self._changed()

    def on_field_changed(self, key: str | None) -> None:
        """Hook for dependent fields (presets, auth type)."""

    def on_input_changed(self, event: Input.Changed) -> None:
        self._on_edit(event.input)

    def on_select_changed(self, event: Select.Changed) -> None:
        self._on_edit(event.select)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._on_edit(event.text_area)


def _focus_without_selecting(field: Input) -> None:
    """Focus ``field`` with the cursor at the end and nothing selected."""
    field.select_on_focus = False
    field.focus()
    field.cursor_position = len(field.value)

    def restore() -> None:
        field.select_on_focus = True

    # The focus event is handled later: restore only after it.
    field.call_after_refresh(restore)
