"""A no-echo passphrase prompt on the terminal itself that works in raw mode too.

``getpass`` turns echo off but keeps the terminal's other settings and reads a line: inside
mutt or neomutt (curses leaves the terminal raw: no canonical mode, no CR-to-NL mapping)
Enter sends CR, which never ends that line, so the prompt hangs until ctrl-J. This prompt
opens ``/dev/tty``, sets its own mode (no echo, byte at a time, no mapping), ends on CR or
LF, handles backspace, ctrl-U, ctrl-C and ctrl-D, and restores the terminal afterwards.
"""

from __future__ import annotations

import contextlib
import os

TTY = "/dev/tty"
_ENTER = (b"\r", b"\n")
_ERASE = (b"\x7f", b"\x08")


def prompt_secret(label: str, tty: str = TTY) -> str:
    """Ask for a secret on the controlling terminal (nothing is echoed).

    Raises:
        OSError: there is no terminal to ask on.
        EOFError: ctrl-D on an empty entry.
        KeyboardInterrupt: ctrl-C.
    """
    import termios

    fd = os.open(tty, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        saved = termios.tcgetattr(fd)
        mode = termios.tcgetattr(fd)
        mode[0] &= ~(termios.ICRNL | termios.INLCR | termios.IGNCR | termios.IXON)
        mode[3] &= ~(termios.ECHO | termios.ECHONL | termios.ICANON | termios.ISIG)
        mode[3] &= ~termios.IEXTEN
        mode[6][termios.VMIN], mode[6][termios.VTIME] = 1, 0
        # The mode first, then the label: whatever is typed once the label shows is read
        # in this mode (TCSADRAIN keeps typeahead; TCSAFLUSH would drop it).
        termios.tcsetattr(fd, termios.TCSADRAIN, mode)
        try:
            os.write(fd, label.encode())
            typed = _read_line(fd)
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
            with contextlib.suppress(OSError):
                os.write(fd, b"\r\n")  # raw output may not map NL to CR-NL: send both
    finally:
        os.close(fd)
    return typed.decode("utf-8", "replace")


def _read_line(fd: int) -> bytes:
    typed = bytearray()
    while True:
        byte = os.read(fd, 1)
        if not byte or byte == b"\x04":  # EOF or ctrl-D
            if typed:
                continue
            raise EOFError
        if byte in _ENTER:
            return bytes(typed)
        if byte == b"\x03":
            raise KeyboardInterrupt
        if byte in _ERASE:
            # Remove one character: its UTF-8 continuation bytes, then its lead byte.
            while typed and typed[-1] & 0xC0 == 0x80:
                typed.pop()
            if typed:
                typed.pop()
        elif byte == b"\x15":  # ctrl-U: start over
            typed.clear()
        elif byte[0] >= 0x20:
            typed += byte
