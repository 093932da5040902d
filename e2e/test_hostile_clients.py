"""Hostile clients against a real `darkroom serve`: slow and stalled connections are closed by
the idle timeout, bodies in flight are bounded, a base64 body costs memory in proportion to its
size, and `/healthz` keeps answering throughout."""

import base64
import os
import socket
import time
import urllib.request

from darkroom_process import serve


def peak_rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def connect(server):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return sock


def closed_within(sock, seconds):
    """True when the server closes the connection within `seconds`."""
    sock.settimeout(seconds)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def healthz(server):
    with urllib.request.urlopen(server.url + "/healthz", timeout=5) as response:
        return response.status


def test_half_sent_headers_bodies_and_idle_keepalives_are_closed(tmp_path):
    server = serve(tmp_path / "data", environment={"DARKROOM_SERVER_IDLE_TIMEOUT_SECONDS": "2"})
    try:
        half_headers = connect(server)
        half_headers.sendall(b"POST /api/images HTTP/1.1\r\nHost: x\r\nContent-Type: ima")
        half_body = connect(server)
        half_body.sendall(b"POST /api/images HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 5000000\r\n\r\n" + b"\xff" * 1000)
        idle = connect(server)
        idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200 OK" in idle.recv(4096)
        # A slow drip of header bytes does not reset the clock: headers must finish in time.
        drip = connect(server)
        drip_cut = False
        for byte in b"GET /healthz HTTP/1.1\r\nHost: a-long-host-name.example":
            try:
                drip.send(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                drip_cut = True
                break
            time.sleep(0.15)
        events = connect(server)
        events.sendall(b"GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n")
        for sock, name in [(half_headers, "half-sent headers"), (half_body, "a stalled body"), (idle, "an idle keep-alive")]:
            assert closed_within(sock, 6), f"{name} was still open"
        assert drip_cut or closed_within(drip, 6), "headers dripped a byte at a time were never cut"
        # The event stream is an answer in progress: the idle timeout never cuts it.
        assert not closed_within(events, 3), "the event stream was cut"
        assert healthz(server) == 200
    finally:
        server.stop()


def test_bodies_in_flight_are_bounded_with_a_clear_503(tmp_path):
    server = serve(tmp_path / "data", environment={"DARKROOM_SERVER_MAX_BODY_BYTES_IN_FLIGHT": "3000000", "DARKROOM_SERVER_IDLE_TIMEOUT_SECONDS": "5"})
    try:
        stalled = []
        for _ in range(2):
            sock = connect(server)
            sock.sendall(b"POST /api/images HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 1400000\r\n\r\n" + b"\xff" * 1000)
            stalled.append(sock)
        time.sleep(0.3)
        status, body = server.api("POST", "/api/images", body=b"\xff\xd8" * 400000, headers={"Content-Type": "image/jpeg"})
        assert status == 503
        assert body["error"]["code"] == "too_many_uploads"
        assert "3000000 bytes in flight" in body["error"]["message"]
        assert healthz(server) == 200
        for sock in stalled:
            sock.close()
        time.sleep(0.5)
        # Once the stalled uploads are gone, their share is free again.
        status, body = server.api("POST", "/api/images", body=b"\xff\xd8" * 400000, headers={"Content-Type": "image/jpeg"})
        assert status in (415, 422), body
    finally:
        server.stop()


def test_a_base64_body_costs_memory_in_proportion_to_its_size(tmp_path):
    server = serve(tmp_path / "data", "--no-workers")
    try:
        # About 40 MB of base64 that decodes to 30 MB of bytes that are no image: decoded, then refused.
        encoded = base64.b64encode(os.urandom(30_000_000))
        before = peak_rss_kb(server.process.pid)
        status, body = server.api("POST", "/api/images", body=encoded, headers={"Content-Type": "text/plain"})
        assert status == 415, body
        grown_mb = (peak_rss_kb(server.process.pid) - before) / 1024
        body_mb = len(encoded) / 1e6
        print(f"base64 body {body_mb:.0f} MB raised peak memory by {grown_mb:.0f} MB ({grown_mb / body_mb:.1f}x)")
        assert grown_mb < 5 * body_mb, f"a {body_mb:.0f} MB base64 body took {grown_mb:.0f} MB"
        assert healthz(server) == 200
    finally:
        server.stop()
