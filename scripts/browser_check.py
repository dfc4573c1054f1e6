#!/usr/bin/env python3
"""Opens HTML reports in headless Chromium and fails on anything a reader's browser would do wrong.

For each page: full-page PNG screenshots at desktop (1280 px) and phone (390 px) widths, an A4
PDF as printed (and PNGs of its first pages when pdftoppm is installed). It fails when the page
logs anything to the console (the reports have no script, so any message is a CSP violation or an
error), throws, opens a dialog (an injected alert), or requests anything but file:, data: or
about: URLs. With --expect-text, it also checks that each given string is shown as text and that
the page holds no <script>, <img>, <iframe>, <object> or <embed> element.

Talks to Chromium through the DevTools protocol over a pipe (--remote-debugging-pipe), so it
needs only the Python standard library. Usage:

    browser_check.py --out DIR [--chromium PATH] [--expect-text TEXT]... PAGE.html...
"""
import argparse
import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile

VIEWPORTS = [("desktop", 1280, 900, False), ("phone", 390, 844, True)]
LOCAL_SCHEMES = ("file:", "data:", "about:")
SLICE_HEIGHT = 1600

# Keep the browser itself quiet (updates, sync, safe browsing...), so that every request seen
# comes from the page; and resolve no host name, so that nothing leaves the machine regardless.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
    "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-default-apps", "--disable-extensions", "--disable-domain-reliability",
    "--disable-client-side-phishing-detection", "--no-pings", "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]


class Browser:
    """A Chromium process driven through the DevTools protocol on file descriptors 3 and 4."""

    def __init__(self, chromium):
        self.profile = tempfile.mkdtemp(prefix="fairrecruit-chromium-")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def wire_pipes():  # in the child: Chromium reads commands on 3 and writes replies on 4
            # Move both ends above 4 first: a pipe end may itself be 3 or 4.
            read_end, write_end = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10), fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [chromium, *CHROMIUM_FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self.profile}", "about:blank"],
            preexec_fn=wire_pipes, close_fds=False, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE if os.environ.get("DEBUG") else subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_child, json.dumps(message).encode() + b"\0")
        while True:
            reply = self.read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def read(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_child, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_for(self, method):
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                del self.events[i]
                return event
        while True:
            event = self.read()
            if event.get("method") == method:
                return event
            self.events.append(event)

    def open_page(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable")

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def problems_in(events):
    """Console output, exceptions, dialogs and network requests among the page's events."""
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", []))
            found.append(f"console.{params.get('type')}: {text}")
        elif method == "Runtime.exceptionThrown":
            found.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            found.append(f"console {entry.get('level')} ({entry.get('source')}): {entry.get('text')}")
        elif method == "Page.javascriptDialogOpening":
            found.append(f"dialog opened: {params.get('message')}")
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if not url.startswith(LOCAL_SCHEMES):
                found.append(f"network request: {url}")
    return found


def check(browser, page, out, expected_texts):
    # Reports are all called report.html: name the pictures after the folder too (demo-report-phone.png).
    folder = os.path.basename(os.path.dirname(os.path.abspath(page)))
    name = f"{folder}-{os.path.splitext(os.path.basename(page))[0]}"
    url = "file://" + os.path.abspath(page)
    problems = []
    browser.events.clear()
    for label, width, height, mobile in VIEWPORTS:
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        browser.send("Page.navigate", {"url": url})
        browser.wait_for("Page.loadEventFired")
        content = browser.send("Page.getLayoutMetrics")["cssContentSize"]
        # The whole page, in screen-sized slices that are easy to look at one by one.
        slices = max(1, -(-int(content["height"]) // SLICE_HEIGHT))
        for i in range(slices):
            shot = browser.send("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": i * SLICE_HEIGHT, "width": width,
                         "height": min(SLICE_HEIGHT, content["height"] - i * SLICE_HEIGHT), "scale": 1}})
            with open(os.path.join(out, f"{name}-{label}-{i + 1:02d}.png"), "wb") as f:
                f.write(base64.b64decode(shot["data"]))
        print(f"wrote {os.path.join(out, f'{name}-{label}-*.png')} ({slices} slice(s) of a {width}x{int(content['height'])} page)")
        if content["width"] > width + 1:
            problems.append(f"{label}: the page is {int(content['width'])} px wide in a {width} px window (scrolls sideways)")

    pdf = browser.send("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})
    pdf_path = os.path.join(out, f"{name}-print.pdf")
    with open(pdf_path, "wb") as f:
        f.write(base64.b64decode(pdf["data"]))
    print(f"wrote {pdf_path}")
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "3", pdf_path,
                        os.path.join(out, f"{name}-print")], check=True)
        print(f"wrote {os.path.join(out, name + '-print-*.png')} (first pages as printed on A4)")

    if expected_texts:
        shown = browser.send("Runtime.evaluate", {"expression": "document.body.innerText", "returnByValue": True})
        text = shown["result"]["value"]
        for expected in expected_texts:
            if expected not in text:
                problems.append(f"{expected!r} is not shown as text")
        elements = browser.send("Runtime.evaluate", {
            "expression": "document.querySelectorAll('script, img, iframe, object, embed').length", "returnByValue": True})
        if elements["result"]["value"]:
            problems.append(f"{elements['result']['value']} script/img/iframe/object/embed element(s) in the page")

    problems += problems_in(browser.events)
    # The page is loaded once per viewport: report each problem once.
    return [f"{page}: {p}" for p in dict.fromkeys(problems)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="folder for screenshots and PDFs")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--expect-text", action="append", default=[], help="text every page must show (repeatable)")
    parser.add_argument("pages", nargs="+")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    browser = Browser(args.chromium)
    problems = []
    try:
        browser.open_page()
        for page in args.pages:
            problems += check(browser, page, args.out, args.expect_text)
    finally:
        browser.close()
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    failed = len({problem.split(": ")[0] for problem in problems})
    print(f"browser check: {len(args.pages) - failed} page(s) passed, {failed} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
