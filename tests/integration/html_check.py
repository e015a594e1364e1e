#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Open an HTML report in headless chromium and say what a reader would see.

html_check.py CHROMIUM PAGE.html OUT.png [--sort-by COLUMN]

Drives chromium over the DevTools protocol on a pipe (--remote-debugging-pipe:
NUL-separated JSON on file descriptors 3 and 4), so it needs nothing but
Python's standard library: no npm package, no WebSocket client, no browser
download. Prints one JSON object:
  errors     console errors, uncaught exceptions, error log entries (CSP
             violations among them), as text
  requests   URLs the page asked for beyond itself (file: and data: aside)
  names      the text of the first table's name cells (td.name), in order
  table      that table: headers, and rows of cells {text, v} (v: data-v, the
             number a cell sorts by)
  svgs       charts drawn (a non-empty box), by class: {"hist": 3, ...}
  sorted     the same after a click on the header titled COLUMN (--sort-by)
  names_nojs the name cells with JavaScript disabled
  text       the page's visible text (document.body.innerText)
  colors     distinct colours in the screenshot (1200x900), from its PNG
  nonwhite_pct  share of its pixels that are not white
Exit status 0 when the page was loaded and shot, 2 on a driver failure.
"""
import base64
import json
import os
import select
import struct
import subprocess
import sys
import tempfile
import time
import zlib

WIDTH, HEIGHT = 1200, 900
DEADLINE_S = 60

# Without the background-networking flags chromium reaches for the network
# (closed here); as root it needs --no-sandbox.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--hide-scrollbars",
    "--remote-debugging-pipe", "about:blank",
]


class Browser:
    def __init__(self, chromium, profile_dir):
        r3, w3 = os.pipe()
        r4, w4 = os.pipe()

        def child():
            # Off 3 and 4 first, so that dup2 cannot clobber one with the other.
            a, b = os.dup(r3), os.dup(w4)
            os.dup2(a, 3)
            os.dup2(b, 4)
            for fd in {a, b, r3, w3, r4, w4} - {3, 4}:
                try:
                    os.close(fd)
                except OSError:
                    pass

        self.log = open(os.path.join(profile_dir, "chromium.log"), "wb")
        self.proc = subprocess.Popen(
            [chromium, "--user-data-dir=" + profile_dir] + FLAGS, preexec_fn=child,
            close_fds=False, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        os.close(r3)
        os.close(w4)
        self.wfd, self.rfd = w3, r4
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.deadline = time.monotonic() + DEADLINE_S

    def _read_message(self):
        while b"\0" not in self.buf:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("chromium did not answer within %ds" % DEADLINE_S)
            ready, _, _ = select.select([self.rfd], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.rfd, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe (exit %s)" % self.proc.poll())
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.wfd, json.dumps(msg).encode() + b"\0")
        want = self.next_id
        while True:
            m = self._read_message()
            if m.get("id") == want:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def wait_event(self, method):
        for i, m in enumerate(self.events):
            if m["method"] == method:
                del self.events[i]
                return m
        while True:
            m = self._read_message()
            if m.get("method") == method:
                return m
            if "method" in m:
                self.events.append(m)

    def close(self):
        try:
            self.send("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def png_colors(png):
    """Distinct colours and the share of non-white pixels of an 8-bit RGB(A) PNG."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise RuntimeError("the screenshot is not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", data[:10])
            if depth != 8 or ctype not in (2, 6):
                raise RuntimeError("PNG depth %d colour type %d" % (depth, ctype))
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colors, white, total = set(), 0, 0
    for y in range(height):
        off = y * (stride + 1)
        ftype, line = raw[off], bytearray(raw[off + 1:off + 1 + stride])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pred) & 255
        for x in range(0, stride, bpp):
            px = bytes(line[x:x + 3])
            colors.add(px)
            white += px == b"\xff\xff\xff"
            total += 1
        prev = line
    return len(colors), 100.0 * (total - white) / max(total, 1)


# The first table as a reader sees it: its headers, and each row's cells as
# text and as the value they sort by (data-v; null for text cells).
TABLE_JS = ("JSON.stringify((function(t){if(!t)return null;return {"
            "headers:Array.from(t.tHead.rows[0].cells).map(function(c){return c.textContent;}),"
            "rows:Array.from(t.tBodies[0].rows).map(function(r){return Array.from(r.cells)"
            ".map(function(c){var v=c.getAttribute('data-v');"
            "return {text:c.textContent,v:v===null?null:parseFloat(v)};});})};})"
            "(document.querySelector('table')))")

# Charts drawn: SVGs by class that take room on the page.
SVGS_JS = ("JSON.stringify(Array.from(document.querySelectorAll('svg')).reduce(function(o,s){"
           "var r=s.getBoundingClientRect();if(r.width>0&&r.height>0){var k=s.getAttribute('class')"
           "||'svg';o[k]=(o[k]||0)+1;}return o;},{}))")

NAMES_JS = ("JSON.stringify(Array.from((document.querySelector('table') || document)"
            ".querySelectorAll('tbody td.name')).map(function(e){return e.textContent;}))")


def names(b, session):
    r = b.send("Runtime.evaluate", {"expression": NAMES_JS, "returnByValue": True}, session)
    return json.loads(r["result"]["value"])


def load(b, session, url):
    b.send("Page.navigate", {"url": url}, session)
    b.wait_event("Page.loadEventFired")


def collect_errors(events, out):
    for m in events:
        p = m.get("params", {})
        if m["method"] == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            out["errors"].append("exception: %s %s" % (
                d.get("text", ""), d.get("exception", {}).get("description", "")))
        elif m["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out["errors"].append("console.%s: %s" % (p["type"], " ".join(
                str(a.get("value", a.get("description", ""))) for a in p.get("args", []))))
        elif m["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            out["errors"].append("log: %s" % p["entry"].get("text", ""))
        elif m["method"] == "Network.requestWillBeSent":
            url = p.get("request", {}).get("url", "")
            if not url.startswith(("file:", "data:", "about:")):
                out["requests"].append(url)


def check(chromium, page, png_path, sort_by):
    out = {"errors": [], "requests": []}
    with tempfile.TemporaryDirectory(prefix="sonde-chromium-") as profile_dir:
        b = Browser(chromium, profile_dir)
        try:
            target = b.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = b.send("Target.attachToTarget",
                             {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                b.send(domain + ".enable", {}, session)
            b.send("Emulation.setDeviceMetricsOverride",
                   {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
                   session)
            load(b, session, "file://" + os.path.abspath(page))
            out["names"] = names(b, session)
            for key, js in (("table", TABLE_JS), ("svgs", SVGS_JS)):
                out[key] = json.loads(b.send("Runtime.evaluate", {
                    "expression": js, "returnByValue": True}, session)["result"]["value"])
            out["text"] = b.send("Runtime.evaluate", {
                "expression": "document.body.innerText", "returnByValue": True},
                session)["result"]["value"]
            shot = b.send("Page.captureScreenshot", {"format": "png"}, session)
            png = base64.b64decode(shot["data"])
            with open(png_path, "wb") as f:
                f.write(png)
            out["colors"], out["nonwhite_pct"] = png_colors(png)
            if sort_by:
                b.send("Runtime.evaluate", {"expression": (
                    "Array.from(document.querySelector('table').tHead.rows[0].cells)"
                    ".filter(function(th){return th.textContent.trim()===%s;})"
                    ".forEach(function(th){th.click();})") % json.dumps(sort_by)}, session)
                out["sorted"] = names(b, session)
            # Let late errors (a failing script) arrive before reading them.
            b.send("Runtime.evaluate", {"expression": "1"}, session)
            collect_errors(b.events, out)
            b.events = []
            b.send("Emulation.setScriptExecutionDisabled", {"value": True}, session)
            load(b, session, "file://" + os.path.abspath(page))
            out["names_nojs"] = names(b, session)
        finally:
            b.close()
    return out


def main():
    args = sys.argv[1:]
    sort_by = None
    if "--sort-by" in args:
        i = args.index("--sort-by")
        sort_by = args[i + 1]
        del args[i:i + 2]
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        out = check(args[0], args[1], args[2], sort_by)
    except (RuntimeError, OSError, ValueError, KeyError) as e:
        print("html_check: %s" % e, file=sys.stderr)
        return 2
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
