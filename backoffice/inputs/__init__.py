"""The one input boundary (issue 11): what a request may carry before any view or service sees it.

- `numbers`: path and query integers within what a database id or a page can be.
- `text`: the one function that decides whether typed text can be stored (valid UTF-8, no NUL or control
  characters, a length cap).
- `wire`: the request class (invalid UTF-8 is kept recognisable instead of silently replaced) and the guard that
  refuses an address whose path or query carries what no page accepts.
- `forms`: the base classes of every form, portal and console, that apply `text` to each field with the field's
  own message, and treat a text sent where a file belongs as no file.
- `body_limits`: each endpoint's upload limit, applied before the CSRF check reads the body.
- `body_deadline`: the WSGI middleware that gives a request's whole body a deadline (slow clients).
"""
