"""Memory (docs/operations.md#memory): render children give back what a job freed, and a child
above `worker.childMaxMB` after a job is replaced before the next, with nothing lost."""

import os
import threading
import time

from darkroom_process import serve
from test_placeholders import completed, upload


def render_children(server_pid):
    """{pid: RSS kB} of the render children under the server."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read()
            if parent == server_pid and b"render-child" in command:
                with open(f"/proc/{entry}/status") as f:
                    found[int(entry)] = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, ValueError, StopIteration):
            continue
    return found


def children_after(server, photo, name):
    completed(server, upload(server, photo.read_bytes(), name))
    time.sleep(0.3)
    return render_children(server.process.pid)


def test_a_child_over_the_bound_is_replaced_and_the_images_complete(tmp_path, photos):
    server = serve(tmp_path / "data", "--workers", "1", environment={"DARKROOM_WORKER_CHILD_MAX_MB": "32"}, log_path=tmp_path / "s.log")
    seen, watching = set(), [True]

    def watch():
        while watching[0]:
            seen.update(render_children(server.process.pid))
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        for index in range(3):
            completed(server, upload(server, photos[index % len(photos)].read_bytes(), f"p{index}.jpg"))
        time.sleep(0.3)
        # Every child is over 32 MB after a job, so each job had a fresh one, and the last was
        # retired too: no child waits idle.
        assert len(seen) == 3, seen
        assert render_children(server.process.pid) == {}
    finally:
        watching[0] = False
        watcher.join()
        server.stop()


def test_an_idle_child_holds_its_baseline_not_its_largest_image(tmp_path, photos):
    server = serve(tmp_path / "data", "--workers", "1", log_path=tmp_path / "s.log")
    try:
        first = children_after(server, photos[0], "a.jpg")
        for index in range(4):
            latest = children_after(server, photos[index % len(photos)], f"b{index}.jpg")
        # The same child all along (under the default bound), and after five photos it keeps
        # about what it kept after one: the decodes went back to the system.
        assert set(first) == set(latest), (first, latest)
        (pid, after_one), = first.items()
        assert latest[pid] < after_one * 1.25 + 8 * 1024, (after_one, latest[pid])
        assert latest[pid] < 200 * 1024, latest
    finally:
        server.stop()
