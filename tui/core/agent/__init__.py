"""The agent: one process that holds the unlocked vault and keeps every token fresh.

* ``schedule``: pure logic of when each token is due (refresh delay, keep-alive, back-off,
  needs sign-in, suspend/resume detection).
* ``server``: the Unix socket (same-uid peers only, size-bounded line-JSON).
* ``daemon``: the refresh loop and the request handlers, over ``fresh_token``'s locked path.
* ``client``: the lean side ``tokendesk token`` uses first (standard library only).
* ``view``: a token as ``token`` prints it.
* ``service``: serving in this process until stopped (socket, loop, pid file).
* ``launch``: start a detached agent from an unlocked session (the key over a pipe), stop
  it, lock it; ``child`` is the detached process's entry. Both faces call these.
* ``presence``: whether a running agent keeps a given vault fresh (a face's own refresh
  schedule then waits); ``summary``: one line about the agent for a status bar.
* ``mail_access``: mail components and their credentials for the mail verbs.

Importing this package is free: nothing here loads until a module is imported by name.
"""
