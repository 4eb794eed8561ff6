"""Servers that misbehave below HTTP, as route functions for tests.conftest."""

import socket
import struct
import time


def drip_body(handler, interval_s=0.1):
    """Headers at once, then one byte of body every interval, never finishing."""
    handler.close_connection = True
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "1000000")
    handler.end_headers()
    _forever(handler, b"x", interval_s)


def drip_headers(handler, interval_s=0.1):
    """The status line and headers one byte at a time: no read timeout ever fires."""
    handler.close_connection = True
    _forever(handler, b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 10_000, interval_s, one_byte=True)


def endless_body(handler):
    """A body with no length and no end."""
    handler.close_connection = True
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    _forever(handler, b"<p>" + b"a" * 65_536, 0.0)


def reset(handler):
    """Read the request, then abort the connection with a TCP reset."""
    handler.close_connection = True
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()


def _forever(handler, data: bytes, interval_s: float, one_byte: bool = False):
    pieces = [data[i : i + 1] for i in range(len(data))] if one_byte else None
    i = 0
    try:
        while True:
            handler.wfile.write(pieces[i % len(pieces)] if pieces else data)
            handler.wfile.flush()
            i += 1
            time.sleep(interval_s)
    except OSError:
        pass  # the client gave up: that is the point
