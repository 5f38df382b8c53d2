"""Start headless Chromium, talk to one page over the Chrome DevTools Protocol,
and watch what the page does (console, exceptions, network).

Used by tests/tools/browser_check.py. Needs only the standard library and
websocket-client (Debian: python3-websocket). Anything that means "this
machine cannot run the check" (no browser, no websocket module, a browser
that does not start) raises Skip; protocol trouble raises CdpError; running
out of time raises CdpTimeout.
"""
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")

# The flags every run uses. --no-sandbox is added when running as root (CI),
# where Chromium refuses to start with its sandbox. --disable-dev-shm-usage
# keeps it working in containers with a small /dev/shm (Debian's wrapper tries
# to add it itself, but its test breaks when /dev/shm has several mounts).
BASE_FLAGS = (
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-extensions",
    "--disable-sync",
    "--mute-audio",
    "--disable-dev-shm-usage",
    "--remote-debugging-port=0",
)

# Chromium chatter on stderr that says nothing about why it failed to start.
_NOISE = ("dbus/bus.cc", "Fontconfig", "unexpected operator")


class Skip(Exception):
    """The check cannot run on this machine; exit 77."""


class CdpError(Exception):
    """The browser or the protocol misbehaved."""


class CdpTimeout(CdpError):
    """A deadline passed while waiting for the browser."""


class Deadline:
    """A point in time; remaining() is never negative."""

    def __init__(self, seconds):
        self.at = time.monotonic() + seconds

    def remaining(self):
        return max(0.0, self.at - time.monotonic())

    def passed(self):
        return time.monotonic() >= self.at


def import_websocket():
    """websocket-client, also when python3 is not Debian's own interpreter."""
    try:
        import websocket  # noqa: PLC0415
        return websocket
    except ImportError:
        pass
    # A pyenv/venv python does not see Debian's dist-packages; python3-websocket
    # is pure Python, so borrowing it from there is safe.
    debian = "/usr/lib/python3/dist-packages"
    if os.path.isdir(os.path.join(debian, "websocket")) and debian not in sys.path:
        sys.path.append(debian)
        try:
            import websocket  # noqa: PLC0415
            return websocket
        except ImportError:
            pass
    raise Skip(f"python module 'websocket' (websocket-client, Debian python3-websocket) "
               f"not importable by {sys.executable}")


def find_browser():
    """$CHROMIUM if set (and only it), else the first of BROWSER_NAMES on PATH."""
    env = os.environ.get("CHROMIUM")
    if env:
        path = shutil.which(env)
        if not path:
            raise Skip(f"no chromium binary found: CHROMIUM={env} is not an executable")
        return path
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise Skip("no chromium binary found (looked for $CHROMIUM, " + ", ".join(BROWSER_NAMES) + ")")


def _http_json(url, timeout):
    # No proxies: the DevTools endpoint is on loopback.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=max(timeout, 0.1)) as resp:
        return json.loads(resp.read().decode("utf-8"))


class Browser:
    """One headless Chromium with a throw-away profile; close() always cleans up."""

    def __init__(self, binary, startup_s):
        self.binary = binary
        self.proc = None
        self.port = None
        self.browser_ws = None
        self.tmpdir = tempfile.mkdtemp(prefix="browser_check.")
        self.stderr_path = os.path.join(self.tmpdir, "stderr.txt")
        try:
            self._start(startup_s)
        except BaseException:
            self.close()  # no `with` block owns us yet
            raise

    def _start(self, startup_s):
        args = [self.binary, *BASE_FLAGS]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--no-sandbox")
        profile = os.path.join(self.tmpdir, "profile")
        args += [f"--user-data-dir={profile}", "about:blank"]
        t0 = time.monotonic()
        with open(self.stderr_path, "wb") as err:
            try:
                # Own session: close() kills the whole process group (zygote,
                # renderers, the Debian wrapper script) in one go.
                self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=err,
                                             start_new_session=True)
            except OSError as e:
                raise Skip(f"browser {self.binary} failed to start: {e}") from e
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = Deadline(startup_s)
        while True:
            if self.proc.poll() is not None:
                raise Skip(f"browser {self.binary} failed to start (exit {self.proc.returncode}): "
                           + self.stderr_head())
            try:
                with open(port_file, encoding="utf-8") as f:
                    lines = f.read().splitlines()
                if len(lines) >= 2 and lines[0].strip().isdigit():
                    self.port = int(lines[0])
                    self.browser_ws = f"ws://127.0.0.1:{self.port}{lines[1].strip()}"
                    break
            except FileNotFoundError:
                pass
            if deadline.passed():
                raise Skip(f"browser {self.binary} failed to start: no DevTools port after "
                           f"{startup_s:.0f} s: " + self.stderr_head())
            time.sleep(0.05)
        self.startup_ms = (time.monotonic() - t0) * 1e3

    def stderr_head(self, lines=4):
        try:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
                text = f.read().splitlines()
        except OSError:
            return "(no stderr)"
        useful = [ln for ln in text if ln.strip() and not any(n in ln for n in _NOISE)]
        head = (useful or text)[:lines]
        return " | ".join(head) if head else "(empty stderr)"

    def page_ws_url(self, deadline):
        """The DevTools URL of the first page target, creating one if there is none."""
        base = f"http://127.0.0.1:{self.port}"
        for _ in range(20):
            targets = _http_json(base + "/json/list", deadline.remaining())
            pages = [t for t in targets if t.get("type") == "page" and t.get("webSocketDebuggerUrl")]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            if deadline.passed():
                break
            time.sleep(0.1)
        # No page yet (some builds start without one): ask the browser for one.
        with Cdp(self.browser_ws, deadline) as cdp:
            target_id = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        return f"ws://127.0.0.1:{self.port}/devtools/page/{target_id}"

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=5)
            except (ProcessLookupError, PermissionError):
                pass
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)
        if self.proc is not None:
            # Children left in the group after the leader exited.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Cdp:
    """One DevTools websocket: commands matched to replies by id, events queued."""

    def __init__(self, ws_url, deadline):
        self.websocket = import_websocket()
        self.deadline = deadline
        self.events = collections.deque(maxlen=10000)  # the latest, for debugging
        self.handlers = []
        self.closed = False
        self.gone = None  # set when the page target crashed or was detached
        self._next_id = 0
        try:
            # suppress_origin: Chromium >= 111 rejects DevTools websockets that
            # carry an Origin header unless --remote-allow-origins names it.
            self.ws = self.websocket.create_connection(
                ws_url, timeout=max(deadline.remaining(), 0.1), suppress_origin=True,
                http_no_proxy=["127.0.0.1", "localhost"])
        except Exception as e:  # noqa: BLE001  (websocket, socket and HTTP errors alike)
            raise CdpError(f"cannot open DevTools websocket {ws_url}: {e}") from e

    def close(self):
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def on_event(self, handler):
        """handler(method, params) for every event, in arrival order."""
        self.handlers.append(handler)

    def _recv(self, timeout):
        """One message, or None when timeout passes first."""
        if self.closed:
            raise CdpError("DevTools connection closed (browser gone?)")
        self.ws.settimeout(max(timeout, 0.001))
        try:
            raw = self.ws.recv()
        except self.websocket.WebSocketTimeoutException:
            return None
        except (self.websocket.WebSocketConnectionClosedException, OSError) as e:
            self.closed = True
            raise CdpError(f"DevTools connection closed (browser gone?): {e}") from e
        if not raw:
            self.closed = True
            raise CdpError("DevTools connection closed (browser gone?)")
        return json.loads(raw)

    def _dispatch(self, msg):
        if msg.get("method") in ("Inspector.targetCrashed", "Inspector.detached"):
            reason = msg.get("params", {}).get("reason", "")
            self.gone = f"page target gone: {msg['method']} {reason}".strip()
        if "method" in msg:
            for handler in self.handlers:
                handler(msg["method"], msg.get("params", {}))
            self.events.append(msg)

    def send(self, method, params=None, timeout=None):
        """Send one command and return its result; events that arrive meanwhile
        are dispatched and kept. Raises CdpError on an error reply."""
        self._next_id += 1
        mid = self._next_id
        try:
            self.ws.send(json.dumps({"id": mid, "method": method, "params": params or {}}))
        except Exception as e:  # noqa: BLE001
            self.closed = True
            raise CdpError(f"{method}: cannot send: {e}") from e
        limit = Deadline(timeout if timeout is not None else self.deadline.remaining())
        while True:
            left = min(limit.remaining(), self.deadline.remaining())
            if left <= 0:
                raise CdpTimeout(f"{method}: no reply in time")
            msg = self._recv(left)
            if msg is None:
                continue
            if msg.get("id") == mid:
                if "error" in msg:
                    err = msg["error"]
                    raise CdpError(f"{method}: {err.get('message')} {err.get('data', '')}".strip())
                return msg.get("result", {})
            self._dispatch(msg)  # an event, or a reply to a command nobody waits for
            if self.gone:
                raise CdpError(f"{method}: {self.gone}")

    def pump(self, seconds):
        """Process events for up to `seconds` (bounded by the deadline)."""
        limit = Deadline(min(seconds, self.deadline.remaining()))
        while not limit.passed():
            msg = self._recv(limit.remaining())
            if msg is not None:
                self._dispatch(msg)
            if self.gone:
                raise CdpError(self.gone)


class PageWatch:
    """Turns CDP events into faults, warnings and notes."""

    def __init__(self, page_url):
        self.page_url = page_url
        self.faults, self.warnings, self.notes = [], [], []
        self.console_errors = 0
        self.network_requests = 0
        self.loaded = None  # monotonic time of the load event
        self.reported_urls = set()

    def same_page(self, url):
        base = urllib.parse.unquote(url.split("#", 1)[0])
        return base == urllib.parse.unquote(self.page_url)

    @staticmethod
    def where(url, line, col=None):
        if not url:
            return ""
        return f" ({url}:{line + 1}" + (f":{col + 1})" if col is not None else ")")

    @staticmethod
    def remote(obj):
        if "value" in obj:
            v = obj["value"]
            return v if isinstance(v, str) else json.dumps(v)
        return obj.get("unserializableValue") or obj.get("description") or obj.get("type", "?")

    def __call__(self, method, p):
        if method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            desc = (d.get("exception") or {}).get("description") or d.get("text", "exception")
            self.console_errors += 1
            self.faults.append(f"uncaught exception: {desc.splitlines()[0]}"
                               + self.where(d.get("url"), d.get("lineNumber", 0), d.get("columnNumber")))
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(self.remote(a) for a in p.get("args", []))[:500]
            frames = (p.get("stackTrace") or {}).get("callFrames") or [{}]
            loc = self.where(frames[0].get("url"), frames[0].get("lineNumber", 0))
            if p["type"] in ("error", "assert"):
                self.console_errors += 1
                self.faults.append(f"console.{p['type']}: {text}{loc}")
            elif p["type"] == "warning":
                self.warnings.append(f"console.warn: {text}{loc}")
        elif method == "Log.entryAdded":
            e = p["entry"]
            if e.get("source") == "network" and e.get("url") in self.reported_urls:
                return  # the failed load of a request already reported as a fault
            if e.get("level") == "error":
                self.console_errors += 1
                self.faults.append(f"browser log error ({e.get('source')}): {e.get('text')}"
                                   + (f" [{e['url']}]" if e.get("url") else ""))
            elif e.get("level") == "warning":
                self.warnings.append(f"browser log warning ({e.get('source')}): {e.get('text')}")
        elif method == "Network.requestWillBeSent":
            self.request(p["request"]["url"], p.get("type", "?"))
        elif method == "Network.webSocketCreated":
            self.request(p["url"], "WebSocket")
        elif method == "Page.loadEventFired":
            self.loaded = time.monotonic()

    def request(self, url, kind):
        scheme = url.split(":", 1)[0].lower()
        if self.same_page(url):
            return
        if scheme in ("data", "blob", "about"):
            self.notes.append(f"page-made {scheme}: URL ({kind}): {url[:80]}")
            return
        self.network_requests += 1
        self.reported_urls.add(url)
        self.faults.append(f"network request ({kind}) to {url[:300]}")
