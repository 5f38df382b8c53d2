#!/usr/bin/env python3
"""Open flopwall's self-contained HTML report in headless Chromium and check it.

    python3 tests/tools/browser_check.py PAGE.html REPORT.json [--screenshot OUT.png]
        [--width 1280] [--timeout 60] [--min-charts N]

REPORT.json is `flopwall report FILE --format json` of the same trace. Every
Chart.js dataset on the page must declare where its points come from:

    dataset.flopwall = {source: "/json/pointer", x: "key" | "#", y: "key", decimated: bool}

and every point drawn must be one of the points that declaration names in
REPORT.json: element[x], element[y] of the array at `source` ("#" is the
element's index, a key starting with "/" a pointer inside the element), in
order and one for one unless `decimated`. Numbers compare as doubles with ==.
(A dataset whose data are bare values is read as {x: labels[i] or i, y: value}.)

The page must also set window.flopwallRendered = true once its charts are
built (window.flopwallRenderMs, if set, is reported; window.flopwallErrors,
if non-empty, fails), log no console error, throw nothing, and load nothing
but itself. Each chart needs a non-blank canvas and a visible dataset with
elements drawn at finite positions.

Exit 0 pass, 1 fail (one fault a line), 77 skip (no browser, no websocket
module, or a browser that does not start), 2 bad command line.
"""
import argparse
import base64
import json
import math
import os
import signal
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp_client import (Browser, Cdp, CdpError, CdpTimeout, Deadline, PageWatch,  # noqa: E402
                        Skip, find_browser, import_websocket)

EXIT_PASS, EXIT_FAIL, EXIT_SKIP = 0, 1, 77
PREFIX = "browser_check:"
POLL_S = 0.025          # how often flopwallRendered is polled
GIVE_UP_AFTER_ERROR_S = 2.0  # stop waiting this long after load when the page already failed
MAX_MISMATCHES = 3      # point mismatches listed per dataset
MAX_SHOT_PX = 16384     # screenshot height cap (Skia's largest surface)

RENDER_STATE_JS = r"""(() => {
  const e = window.flopwallErrors;
  return JSON.stringify({
    rendered: window.flopwallRendered === true,
    render_ms: typeof window.flopwallRenderMs === 'number' ? window.flopwallRenderMs : null,
    errors: e === undefined ? null : (Array.isArray(e) ? e.map(v => String(v)) : 'not-an-array'),
  });
})()"""

# Wait two frames, then until Chart.js animations stop (5 s at most), so that
# pixels and screenshots show the final picture.
SETTLE_JS = r"""(async () => {
  // A frame, or 200 ms if frames are throttled (a hidden page gets none).
  const frame = () => new Promise(r => { requestAnimationFrame(() => r()); setTimeout(r, 200); });
  await frame(); await frame();
  if (typeof Chart === 'undefined' || !Chart.instances) return true;
  const t0 = performance.now();
  while (Chart.animator && Object.values(Chart.instances).some(c => Chart.animator.running(c))
         && performance.now() - t0 < 5000)
    await frame();
  return true;
})()"""

# Read every chart back in one evaluate. Values are tagged rather than lost
# when JSON cannot carry them (NaN, undefined, objects).
READ_CHARTS_JS = r"""(async () => {
  if (typeof Chart === 'undefined' || !Chart.instances)
    return JSON.stringify({error: 'Chart.js (global Chart with Chart.instances) is not on the page'});
  await SETTLE;
  const charts = Object.values(Chart.instances);
  const val = v => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : {$nonfinite: String(v)};
    if (v === undefined) return {$undefined: true};
    if (Array.isArray(v)) return v.map(val);
    if (v instanceof Date) return {$date: v.toISOString()};
    return {$object: Object.prototype.toString.call(v)};
  };
  const out = [];
  for (const chart of charts) {
    const canvas = chart.canvas;
    let painted = null, pixelError = null;
    if (!canvas.width || !canvas.height) painted = 0;
    else try {
      const img = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      painted = 0;
      for (let i = 3; i < img.length; i += 4) if (img[i] > 0) painted++;
    } catch (e) { pixelError = String(e); }
    const labels = (chart.data && chart.data.labels) || [];
    const datasets = chart.data.datasets.map((ds, i) => {
      const data = Array.isArray(ds.data) ? ds.data : [];
      const points = data.map((p, j) => (p !== null && typeof p === 'object' && !Array.isArray(p))
          ? {x: val(p.x), y: val(p.y)}
          : {x: val(j < labels.length ? labels[j] : j), y: val(p)});
      let decl = ds.flopwall;
      if (decl !== undefined) { try { decl = JSON.parse(JSON.stringify(decl)); } catch (e) { decl = {$object: String(e)}; } }
      return {label: ds.label === undefined ? null : String(ds.label),
              type: ds.type || chart.config.type,
              hidden: !chart.isDatasetVisible(i),
              data_is_array: Array.isArray(ds.data),
              points, flopwall: decl === undefined ? null : decl,
              elements: chart.getDatasetMeta(i).data.length,
              placed: chart.getDatasetMeta(i).data.filter(el => el && !el.skip &&
                        Number.isFinite(el.x) && Number.isFinite(el.y)).length};
    });
    out.push({id: canvas.id || null, type: chart.config.type,
              width: canvas.width, height: canvas.height,
              css_width: canvas.clientWidth, css_height: canvas.clientHeight,
              painted, pixel_error: pixelError, datasets});
  }
  return JSON.stringify({charts: out});
})()""".replace("await SETTLE;", "await " + SETTLE_JS + ";")


# ---- the report side: JSON pointers and exact comparison -------------------

def resolve_pointer(doc, pointer):
    """RFC 6901; also accepts the URI-fragment form ("#/a/b")."""
    if pointer.startswith("#"):
        pointer = urllib.parse.unquote(pointer[1:])
    if pointer == "":
        return doc
    if not pointer.startswith("/"):
        raise KeyError(f"'{pointer}' is not a JSON pointer (must start with '/')")
    node = doc
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            if token not in node:
                raise KeyError(f"no member '{token}'")
            node = node[token]
        elif isinstance(node, list):
            if not (token.isdigit() and (token == "0" or not token.startswith("0"))):
                raise KeyError(f"'{token}' is not an array index")
            if int(token) >= len(node):
                raise KeyError(f"index {token} past the end ({len(node)} elements)")
            node = node[int(token)]
        else:
            raise KeyError(f"'{token}' steps into a {type(node).__name__}")
    return node


def element_value(element, index, key):
    """element[key]; "#" is the element's index; a key starting with '/' is a
    pointer inside the element."""
    if key == "#":
        return float(index)
    if isinstance(key, str) and key.startswith("/"):
        return resolve_pointer(element, key)
    if isinstance(element, dict) and key in element:
        return element[key]
    raise KeyError(f"element {index} has no '{key}'")


def same(a, b):
    """Exact equality with JSON types kept apart (True is not 1, "1" is not 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a is None and b is None


def key_of(v):
    """Hashable form of a point for membership tests, consistent with same()."""
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, (int, float)):
        return ("n", float(v))
    if isinstance(v, str):
        return ("s", v)
    if isinstance(v, list):
        return ("l", tuple(key_of(x) for x in v))
    if v is None:
        return ("z",)
    return ("o", id(v))  # tagged or odd values never match


def show(v):
    return json.dumps(v, separators=(",", ":"))[:120]


def check_dataset(name, ds, report, faults):
    """Check one dataset's drawn points against its declaration; returns points checked."""
    decl = ds["flopwall"]
    if not isinstance(decl, dict):
        faults.append(f"{name}: no dataset.flopwall declaration (every point drawn must come from the report)")
        return 0
    missing = [k for k in ("source", "x", "y") if not isinstance(decl.get(k), str)]
    if missing:
        faults.append(f"{name}: dataset.flopwall {show(decl)} lacks string field(s) {', '.join(missing)}")
        return 0
    decimated = decl.get("decimated", False) is True
    if not ds["data_is_array"]:
        faults.append(f"{name}: dataset.data is not an array")
        return 0
    try:
        rows = resolve_pointer(report, decl["source"])
    except KeyError as e:
        faults.append(f"{name}: source {decl['source']} does not resolve in the report: {e.args[0]}")
        return 0
    if not isinstance(rows, list):
        faults.append(f"{name}: source {decl['source']} is a {type(rows).__name__}, not an array")
        return 0
    expected = []
    for i, element in enumerate(rows):
        try:
            expected.append({"x": element_value(element, i, decl["x"]),
                             "y": element_value(element, i, decl["y"])})
        except KeyError as e:
            faults.append(f"{name}: source {decl['source']}: {e.args[0]}")
            return 0
    drawn = ds["points"]
    bad = []
    if decimated:
        pool = {(key_of(p["x"]), key_of(p["y"])) for p in expected}
        for i, p in enumerate(drawn):
            if (key_of(p["x"]), key_of(p["y"])) not in pool:
                bad.append(f"drawn point {i} {show(p)} is not in {decl['source']}")
    else:
        if len(drawn) != len(expected):
            faults.append(f"{name}: {len(drawn)} points drawn but {decl['source']} has "
                          f"{len(expected)} (declared not decimated)")
        for i, (p, e) in enumerate(zip(drawn, expected)):
            if not (same(p["x"], e["x"]) and same(p["y"], e["y"])):
                bad.append(f"point {i} drawn as {show(p)} but {decl['source']}/{i} gives {show(e)}")
    for line in bad[:MAX_MISMATCHES]:
        faults.append(f"{name}: {line}")
    if len(bad) > MAX_MISMATCHES:
        faults.append(f"{name}: ... and {len(bad) - MAX_MISMATCHES} more mismatched points")
    return len(drawn)


def check_charts(charts, report, min_charts, faults):
    """Returns (datasets, points) counted."""
    n_datasets = n_points = 0
    if len(charts) < min_charts:
        faults.append(f"{len(charts)} charts on the page, expected at least {min_charts}")
    for k, chart in enumerate(charts):
        cname = f"chart '{chart['id']}'" if chart["id"] else f"chart #{k} (canvas without id)"
        if chart["pixel_error"]:
            faults.append(f"{cname}: cannot read canvas pixels: {chart['pixel_error']}")
        elif not chart["painted"]:
            faults.append(f"{cname}: canvas is blank ({chart['width']}x{chart['height']}, no painted pixel)")
        visible_drawn = 0
        for i, ds in enumerate(chart["datasets"]):
            n_datasets += 1
            label = f" '{ds['label']}'" if ds["label"] is not None else ""
            n_points += check_dataset(f"{cname} dataset {i}{label}", ds, report, faults)
            if not ds["hidden"] and ds["elements"] > 0:
                if ds["placed"] > 0:
                    visible_drawn += 1
                else:
                    faults.append(f"{cname} dataset {i}{label}: visible, but none of its {ds['elements']} "
                                  "elements has a finite position (nothing drawn; x/y keys swapped?)")
        if visible_drawn == 0:
            faults.append(f"{cname}: no visible dataset with drawn elements "
                          f"({len(chart['datasets'])} datasets)")
    return n_datasets, n_points


# ---- the run -----------------------------------------------------------------

def wait_rendered(cdp, watch, timeout_s):
    """Poll until window.flopwallRendered === true. Returns (last page state,
    ms from navigation or None, why not)."""
    t0 = time.monotonic()
    limit = Deadline(timeout_s)
    state = {}
    while True:
        try:
            res = cdp.send("Runtime.evaluate", {"expression": RENDER_STATE_JS, "returnByValue": True},
                           timeout=max(limit.remaining(), 1.0))
        except CdpTimeout:
            return state, None, (f"window.flopwallRendered !== true after {timeout_s:g} s, and the page "
                                 "stopped answering (a script that never returns?)")
        except CdpError:
            if cdp.closed or cdp.gone:
                raise
            res = {}  # the context went away mid-navigation; ask the next one
        if isinstance(res.get("result", {}).get("value"), str):
            state = json.loads(res["result"]["value"])
            if state.get("rendered"):
                return state, (time.monotonic() - t0) * 1e3, None
        if limit.passed():
            return state, None, f"window.flopwallRendered !== true after {timeout_s:g} s"
        if watch.faults and watch.loaded and time.monotonic() - watch.loaded > GIVE_UP_AFTER_ERROR_S:
            return state, None, ("window.flopwallRendered !== true; stopped waiting "
                                 f"{GIVE_UP_AFTER_ERROR_S:g} s after load since the page already failed")
        cdp.pump(POLL_S)


def settle(cdp):
    cdp.send("Runtime.evaluate", {"expression": SETTLE_JS, "awaitPromise": True, "returnByValue": True})


def screenshot(cdp, path, width, top=None, scale=1.0):
    """Full page: grow the viewport to the content height (which can drop the
    scrollbar and so re-layout the page and resize responsive charts), repeat
    until the height is stable, then capture the viewport. This avoids
    captureBeyondViewport, whose implicit resize is not waited for and
    clipped charts mid-resize in our tests. `top`: only the first `top` CSS
    px; `scale`: the PNG's pixels per CSS px (a small picture for the docs)."""
    height = None
    for _ in range(5):
        size = cdp.send("Page.getLayoutMetrics")["cssContentSize"]
        h = min(math.ceil(size["height"]), MAX_SHOT_PX)
        if h == height:
            break
        height = h
        cdp.send("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        settle(cdp)
    w = math.ceil(cdp.send("Page.getLayoutMetrics")["cssContentSize"]["width"])
    if top:
        height = min(height, top)
    shot = cdp.send("Page.captureScreenshot", {
        "format": "png", "clip": {"x": 0, "y": 0, "width": w, "height": height, "scale": scale}})
    data = base64.b64decode(shot["data"])
    if not data.startswith(b"\x89PNG"):
        raise CdpError("Page.captureScreenshot returned no PNG")
    with open(path, "wb") as f:
        f.write(data)
    return w, height


class Outcome:
    """What one check found; printed whether the check ran to its end or not."""

    def __init__(self, page_url):
        self.watch = PageWatch(page_url)
        self.faults = []
        self.charts, self.datasets, self.points = [], 0, 0
        self.state, self.nav_ms = {}, None
        self.product, self.startup_ms = "browser", None

    def print(self, total_ms):
        w = self.watch
        faults = w.faults + self.faults
        for line in w.warnings:
            print(f"{PREFIX} warning: {line}")
        for line in w.notes:
            print(f"{PREFIX} note: {line}")
        for line in faults:
            print(f"{PREFIX} FAIL: {line}")
        page_ms = self.state.get("render_ms")
        print(f"{PREFIX} {len(self.charts)} charts, {self.datasets} datasets, {self.points} points checked; "
              "rendered in " + (f"{page_ms:.1f}" if isinstance(page_ms, (int, float)) else "n/a")
              + " ms (page), " + (f"{self.nav_ms:.0f}" if self.nav_ms is not None else "n/a")
              + " ms (navigation to rendered); "
              + f"{plural(w.console_errors, 'console error')}, {plural(w.network_requests, 'network request')}")
        up = f"up in {self.startup_ms:.0f} ms, " if self.startup_ms is not None else ""
        print(f"{PREFIX} {self.product}: {up}whole check {total_ms:.0f} ms")
        if faults:
            print(f"{PREFIX} FAIL ({plural(len(faults), 'fault')})")
            return EXIT_FAIL
        return EXIT_PASS


def check_page(args, report, out):
    """Drive the browser; everything found goes into `out`."""
    overall = Deadline(args.timeout + 60)  # the render wait, plus start, read-back, screenshot
    binary = find_browser()
    import_websocket()
    with Browser(binary, startup_s=min(30.0, args.timeout + 10)) as browser:
        out.startup_ms = browser.startup_ms
        with Cdp(browser.page_ws_url(overall), overall) as cdp:
            watch = out.watch
            cdp.on_event(watch)
            out.product = cdp.send("Browser.getVersion").get("product", out.product)
            for domain in ("Page", "Runtime", "Log", "Network"):
                cdp.send(f"{domain}.enable")
            cdp.send("Emulation.setDeviceMetricsOverride",
                     {"width": args.width, "height": 900, "deviceScaleFactor": 1, "mobile": False})
            nav = cdp.send("Page.navigate", {"url": watch.page_url})
            if nav.get("errorText"):
                out.faults.append(f"navigation to {watch.page_url} failed: {nav['errorText']}")
                return
            out.state, out.nav_ms, why = wait_rendered(cdp, watch, args.timeout)
            if why:
                out.faults.append(why)
                if "stopped answering" in why:
                    return  # every further command would hang as well
            errors = out.state.get("errors")
            if errors == "not-an-array":
                out.faults.append("window.flopwallErrors is set but not an array")
            elif errors:
                out.faults.extend(f"page reported (flopwallErrors): {e}" for e in errors)
            if out.nav_ms is not None:
                try:
                    res = cdp.send("Runtime.evaluate", {"expression": READ_CHARTS_JS, "returnByValue": True,
                                                        "awaitPromise": True}, timeout=args.timeout)
                except CdpTimeout:
                    out.faults.append(f"reading the charts back took over {args.timeout:g} s: the page "
                                      "stopped answering after it rendered (a script that never returns?)")
                    return
                value = res.get("result", {}).get("value")
                got = json.loads(value) if isinstance(value, str) else {
                    "error": (res.get("exceptionDetails") or {}).get("text", "no value")}
                if got.get("error"):
                    out.faults.append(f"cannot read charts back: {got['error']}")
                else:
                    out.charts = got["charts"]
                    out.datasets, out.points = check_charts(out.charts, report, args.min_charts, out.faults)
            cdp.pump(0.1)  # late events
            if args.screenshot:
                try:
                    w, h = screenshot(cdp, args.screenshot, args.width, args.screenshot_top, args.screenshot_scale)
                    watch.notes.append(f"screenshot {args.screenshot}: {w}x{h} CSS px")
                except (CdpError, KeyError, OSError) as e:
                    out.faults.append(f"screenshot {args.screenshot} failed: {e}")


def plural(n, noun):
    return f"no {noun}s" if n == 0 else f"{n} {noun}" + ("s" if n != 1 else "")


def load_inputs(page, report_path):
    faults, report = [], None
    if not os.path.isfile(page):
        faults.append(f"page not found: {page}")
    try:
        with open(report_path, encoding="utf-8") as f:
            # Numbers as doubles, as the browser's JSON.parse reads them.
            report = json.load(f, parse_int=float)
    except FileNotFoundError:
        faults.append(f"report JSON not found: {report_path}")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        faults.append(f"report JSON {report_path} unreadable: {e}")
    return faults, report


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("page", help="the HTML report (flopwall report FILE --format html)")
    ap.add_argument("report", help="the JSON report of the same trace (--format json)")
    ap.add_argument("--screenshot", metavar="OUT.png", help="write a full-page PNG screenshot")
    ap.add_argument("--screenshot-top", type=int, metavar="PX", help="only the page's first PX CSS pixels")
    ap.add_argument("--screenshot-scale", type=float, default=1.0, metavar="S",
                    help="PNG pixels per CSS pixel (default 1; 0.5 for a small picture)")
    ap.add_argument("--width", type=int, default=1280, help="viewport width in CSS px (height 900)")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="seconds from navigation to window.flopwallRendered (default 60)")
    ap.add_argument("--min-charts", type=int, default=1, help="fail with fewer charts (default 1)")
    args = ap.parse_args(argv)
    if args.width < 1 or args.timeout <= 0 or args.min_charts < 0:
        ap.error("--width and --timeout must be positive, --min-charts not negative")

    # SIGTERM (a ctest timeout) must still unwind through the `with` blocks
    # that kill the browser, and still print what was found so far.
    def terminated(*_):
        raise CdpError("terminated by SIGTERM")
    signal.signal(signal.SIGTERM, terminated)
    faults, report = load_inputs(args.page, args.report)
    if faults:
        for f in faults:
            print(f"{PREFIX} FAIL: {f}")
        return EXIT_FAIL
    t0 = time.monotonic()
    out = Outcome("file://" + urllib.parse.quote(os.path.abspath(args.page)))
    try:
        check_page(args, report, out)
    except Skip as e:
        print(f"{PREFIX} SKIP: {e}")
        return EXIT_SKIP
    except CdpTimeout as e:
        out.faults.append(f"timed out: {e}")
    except CdpError as e:
        out.faults.append(f"browser: {e}")
    return out.print((time.monotonic() - t0) * 1e3)

if __name__ == "__main__":
    sys.exit(main())
