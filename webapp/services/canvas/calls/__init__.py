"""The Canvas calls canvaslink makes, one module per kind of Canvas object; `CanvasClient`
(client.py) is all of them over one transport. Reference sections (§) are of canvas-api.md."""

from typing import TypeVar

from ..models import CanvasObject, parse_answer
from ..transport import Params, Transport

C = TypeVar("C", bound=CanvasObject)


class Calls:
    """What every group of calls stands on: the transport, and a typed GET of one object or of every page."""

    _http: Transport

    def _get(self, cls: type[C], path: str, what: str) -> C:
        return parse_answer(cls, self._http.call("GET", path, what), what)

    def _list(self, cls: type[C], path: str, what: str, params: Params = ()) -> list[C]:
        return [parse_answer(cls, element, what) for element in self._http.pages(path, what, params)]
