"""The agent: one process that holds the unlocked vault and keeps every token fresh.

* ``schedule``: pure logic of when each token is due (refresh delay, keep-alive, back-off,
  needs sign-in, suspend/resume detection).
* ``server``: the Unix socket (same-uid peers only, size-bounded line-JSON).
* ``daemon``: the refresh loop and the request handlers, over ``fresh_token``'s locked path.
* ``client``: the lean side ``tokendesk token`` uses first (standard library only).
* ``view``: a token as ``token`` prints it.

Importing this package is free: nothing here loads until a module is imported by name.
"""
