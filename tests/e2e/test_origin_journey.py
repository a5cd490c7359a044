"""The real server's websocket (Reflex's Socket.IO) opens only for pages of
our own origin: a page served from another port of the same host cannot act
as the logged-in user."""

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect


def _open(server, origin: str) -> str:
    url = server.base_url.replace("http://", "ws://") + "/_event/?EIO=4&transport=websocket"
    with connect(url, origin=origin, open_timeout=15) as ws:
        return ws.recv(timeout=15)


def test_websocket_refuses_a_foreign_origin_and_accepts_ours(server):
    assert _open(server, server.base_url).startswith("0{")  # engine.io's open packet
    port = int(server.base_url.rsplit(":", 1)[1])
    for foreign in (f"http://localhost:{port + 1}", "http://evil.example", "null"):
        with pytest.raises(InvalidStatus) as refused:
            _open(server, foreign)
        assert refused.value.response.status_code in (400, 403)
