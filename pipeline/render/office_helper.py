"""The warm LibreOffice's helper: run by the Python that has LibreOffice's `uno` module
(Debian's python3-uno, for /usr/bin/python3), not by gendan's own.

    python3 office_helper.py FOLDER SOFFICE UNOSERVER_ROOT

It starts one LibreOffice with its own profile (FOLDER/profile), listening on a UNO pipe
only this user can open, connects unoserver's converter to it, then answers conversion
requests on the Unix socket FOLDER/socket, one at a time: a JSON line {"in": path,
"out": path} gets {"ok": true}, {"error": text}, or {"gone": true} when LibreOffice has
stopped (it then stops too). It writes FOLDER/ready when it takes requests, or
FOLDER/failed with the reason when it cannot start. It stops, and stops LibreOffice (its
process group, named in FOLDER/office.pid), when its standard input closes (its owner is
gone) or on SIGTERM, and removes FOLDER.

Standard library, uno and unoserver only: this file runs outside gendan's environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import time

START_SECONDS = 90  # LibreOffice's first start with a new profile takes 1-3 s here


def _write(path: str, text: str) -> None:
    with open(path + ".part", "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(path + ".part", path)


def _converter(pipe: str, office: subprocess.Popen[bytes]) -> object:
    import uno
    from unoserver import converter

    class PipeConverter(converter.UnoConverter):  # type: ignore[misc]
        """unoserver's converter, reached over a named pipe rather than a TCP port."""

        def __init__(self) -> None:  # as UnoConverter.__init__, with a pipe
            self.local_context = uno.getComponentContext()
            self.resolver = self.local_context.ServiceManager.createInstanceWithContext(
                "com.sun.star.bridge.UnoUrlResolver", self.local_context)
            self.context = self.resolver.resolve(
                f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            self.service = self.context.ServiceManager
            self.desktop = self.service.createInstanceWithContext(
                "com.sun.star.frame.Desktop", self.context)
            self.filter_service = self.service.createInstanceWithContext(
                "com.sun.star.document.FilterFactory", self.context)
            self.type_service = self.service.createInstanceWithContext(
                "com.sun.star.document.TypeDetection", self.context)
            self.temp_dir = None
            self._export_filters = None
            self._import_filters = None

    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            return PipeConverter()
        except Exception as exc:  # NoConnectException until LibreOffice listens
            if office.poll() is not None:
                raise RuntimeError(f"LibreOffice exited {office.returncode} while "
                                   "starting") from exc
            if time.monotonic() > deadline:
                raise RuntimeError(f"LibreOffice did not start within {START_SECONDS} s: "
                                   f"{exc}") from exc
            time.sleep(0.03)


def _answer(conn: socket.socket, conv: object, office: subprocess.Popen[bytes]) -> None:
    conn.settimeout(10)
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    if office.poll() is not None:  # it went down since the last one: not this one's fault
        conn.sendall(b'{"gone": true}\n')
        return
    try:
        request = json.loads(data)
        conv.convert(inpath=request["in"], outpath=request["out"],  # type: ignore[attr-defined]
                     convert_to="pdf")
        reply: dict[str, object] = {"ok": True}
    except Exception as exc:
        try:  # did LibreOffice go down (the connection fails first)?
            office.wait(1)
            reply = {"gone": True}
        except subprocess.TimeoutExpired:  # the document's fault: say so, stay up
            reply = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    conn.sendall(json.dumps(reply).encode() + b"\n")


def pipe_path(name: str) -> str:
    """Where LibreOffice makes the socket of its named pipe `name`."""
    return f"/tmp/OSL_PIPE_{os.getuid()}_{name}"


def main(folder: str, soffice: str, unoserver_root: str) -> int:
    sys.path.append(unoserver_root)
    try:  # before LibreOffice is started for nothing
        import uno  # noqa: F401
        from unoserver import converter  # noqa: F401
    except ImportError as exc:
        _write(os.path.join(folder, "failed"), f"{exc} (in {sys.executable}): install "
               "python3-uno (Debian), or set [documents] uno_python to a Python that has it")
        return 2
    pipe = f"gendan_office_{os.getpid()}"
    profile = os.path.join(folder, "profile")
    # SIGTERM waits until LibreOffice is started and named: stop() then stops it too
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    with open(os.path.join(folder, "office.log"), "ab") as log:
        office = subprocess.Popen(
            [soffice, "--headless", "--invisible", "--nocrashreport", "--nodefault",
             "--nologo", "--nofirststartwizard", "--norestore", "--nolockcheck",
             f"-env:UserInstallation=file://{profile}",
             f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    _write(os.path.join(folder, "office.pid"), str(office.pid))  # its process group

    def stop(*_: object, keep: bool = False) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(office.pid, sig)
                office.wait(10)
                break
            except subprocess.TimeoutExpired:
                continue
            except ProcessLookupError:
                break
        with contextlib.suppress(OSError):  # the pipe's socket, which LibreOffice leaves
            os.unlink(pipe_path(pipe))
        if not keep:  # the profile too: an owner that was killed cannot
            shutil.rmtree(folder, ignore_errors=True)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    try:
        conv = _converter(pipe, office)
    except Exception as exc:
        _write(os.path.join(folder, "failed"), str(exc))
        stop(keep=True)  # the owner reads why
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(os.path.join(folder, "socket"))
    server.listen(16)
    _write(os.path.join(folder, "ready"), str(os.getpid()))
    watch = selectors.DefaultSelector()
    watch.register(server, selectors.EVENT_READ)
    watch.register(sys.stdin, selectors.EVENT_READ)
    while True:
        for key, _ in watch.select():
            if key.fileobj is sys.stdin:
                if not os.read(0, 4096):  # the owner is gone
                    stop()
                continue
            conn, _ = server.accept()
            with conn, contextlib.suppress(OSError):  # OSError: the asker gave up (its timeout)
                _answer(conn, conv, office)
        if office.poll() is not None:  # it crashed on a document; the owner starts another
            return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
