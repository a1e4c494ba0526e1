"""What a request may carry before any view sees it: body size (MAX_CONTENT_LENGTH), the number
of form fields, no NUL characters, ids that fit the database, and whose X-Forwarded-* headers
are believed."""

from urllib.parse import parse_qsl

from flask import Request, abort, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

# The largest id or whole number our columns store: Integer is 32 bits on PostgreSQL (SQLite's 64).
MAX_DB_INT = 2**31 - 1


class _FieldCountingParser(FormDataParser):
    """Werkzeug caps the parts of multipart forms only; a urlencoded body of a million empty
    fields would still be turned into a million-entry dict. MAX_FORM_PARTS caps both. A chunked
    urlencoded body over MAX_CONTENT_LENGTH is refused whole, as a multipart one already is."""

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        body = stream.read()
        # A chunked body has no Content-Length to refuse it by, and werkzeug's stream stops at
        # MAX_CONTENT_LENGTH without a word: the form would be cut short (and its CSRF token with it).
        if content_length is None and self.max_content_length is not None and len(body) >= self.max_content_length:
            raise RequestEntityTooLarge()
        try:
            items = parse_qsl(body.decode(), keep_blank_values=True, errors="werkzeug.url_quote",
                              max_num_fields=self.max_form_parts)
        except ValueError:  # more fields than max_num_fields
            raise RequestEntityTooLarge() from None
        return stream, self.cls(items), self.cls()


class LimitedRequest(Request):
    form_data_parser_class = _FieldCountingParser


class DatabaseIntConverter(IntegerConverter):
    """<int:...> in a URL: a number the database can store, else 404 (not an overflow error)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(url_map, *args, **kwargs)


def refuse_nul_characters():
    """No text anyone types holds a NUL character, and PostgreSQL cannot store one: refuse the
    request whole, before a view half-saves it."""
    for fields in (request.args, request.form):
        if any("\x00" in key or "\x00" in value for key, value in fields.items(multi=True)):
            abort(400, description="A field holds a NUL character (\\0), which no text may contain. Remove it "
                                   "and send the form again.")


def init_app(app):
    """Before the blueprints: their rules pick their converters when registered."""
    app.request_class = LimitedRequest
    app.before_request(refuse_nul_characters)
    app.url_map.converters["int"] = DatabaseIntConverter
    if proxies := app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
