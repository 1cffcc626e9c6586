"""Drives `clip serve`'s search page in a real headless Chromium (Debian's chromium + chromedriver, through
Selenium) and checks what a person would see. One scenario per run; a screenshot PNG per step goes to
--artifacts.

  main     over the demo gallery: first paint < 1 s; typing "a red square" fills the grid (>= 8 results, the
           top one's caption names red and square); a gallery image uploaded for reverse search comes back
           first; zero-shot labels "circle, square, triangle, cross" label every visible image (>= 80% agree
           with the captions); the viewer, "More like this", infinite scroll and near-duplicate groups; no
           console errors at all.
  empty    an empty library: the page says how to index a folder.
  errors   a malformed query, a folder with no images, then the server gone (--server-pid is killed): each
           is a message on the page, never a blank page.
  key      a server with --api-key-file: the page asks for the key, refuses a wrong one, then searches.
Every scenario fails on a JavaScript error in the console; only the scenarios that provoke 4xx answers or
a dead server accept the browser's own "Failed to load resource" lines for them.

Usage: python tools/check_search_page.py SCENARIO --base-url URL --artifacts DIR [--gallery DIR]
       [--server-pid PID] [--key KEY]
Prints 'N passed, 0 failed' and exits 0 when every check holds.
"""
import argparse
import csv
import os
import signal
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

passed, failed = 0, 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                 "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-background-networking"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)


class Page:
    def __init__(self, driver, artifacts, scenario):
        self.driver, self.artifacts, self.scenario, self.step = driver, artifacts, scenario, 0

    def shot(self, name):
        self.step += 1
        path = os.path.join(self.artifacts, f"{self.scenario}-{self.step:02d}-{name}.png")
        self.driver.save_screenshot(path)

    def wait(self, what, condition, seconds=20):
        try:
            result = WebDriverWait(self.driver, seconds, poll_frequency=0.05).until(lambda d: condition())
            check(what, True)
            return result
        except Exception:
            check(what, False, "(timed out)")
            return None

    def cards(self):
        return self.driver.find_elements(By.CSS_SELECTOR, "#grid li[data-id]")

    def names(self):
        return [c.find_element(By.CSS_SELECTOR, ".name").text for c in self.cards()]

    def message(self):
        element = self.driver.find_element(By.ID, "message")
        return element.text if element.is_displayed() else ""

    def type(self, element_id, text, clear=True):
        box = self.driver.find_element(By.ID, element_id)
        if clear:
            box.send_keys(Keys.CONTROL, "a")
            box.send_keys(Keys.DELETE)
        for ch in text:  # as a person types: the page searches while typing (debounced)
            box.send_keys(ch)
            time.sleep(0.02)
        return box

    def console(self, allowed=()):
        """Console errors, less the browser's own lines for answers the scenario provoked on purpose."""
        entries = [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
        return [e["message"] for e in entries if not any(a in e["message"] for a in allowed)]


def captions(gallery):
    with open(os.path.join(gallery, "captions.tsv"), encoding="utf-8") as f:
        return {os.path.basename(row[0]): row[1] for row in csv.reader(f, delimiter="\t")}


def main_scenario(page, args):
    d = page.driver
    by_name = captions(args.gallery)
    d.get(args.base_url + "/")
    # The paint entry is recorded once the frame is presented, which can come after the load event.
    paint = page.wait("a first contentful paint is recorded", lambda: d.execute_script(
        "const p = performance.getEntriesByName('first-contentful-paint')[0]; return p ? p.startTime : null"), seconds=10)
    check(f"first contentful paint under 1 s ({paint} ms)", paint is not None and paint < 1000)
    page.shot("loaded")

    page.type("query", "a red square")
    page.wait("grid fills while typing", lambda: len(page.cards()) >= 8 and "a red square" in d.current_url.replace("+", " "))
    names = page.names()
    check("at least 8 results", len(names) >= 8, f"({len(names)})")
    top = by_name.get(names[0], "") if names else ""
    check("top result's caption names red and square", "red" in top and "square" in top, f"({names[:1]}: {top!r})")
    check("query kept in the URL", "q=a+red+square" in d.current_url or "q=a%20red%20square" in d.current_url, d.current_url)
    check("result count shown", "results of" in d.find_element(By.ID, "count").text, d.find_element(By.ID, "count").text)
    check("alt text is the file name", all(c.find_element(By.TAG_NAME, "img").get_attribute("alt") == n
                                           for c, n in zip(page.cards()[:8], names)))
    page.wait("thumbnails load", lambda: all(d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img)
                                             for img in d.find_elements(By.CSS_SELECTOR, "#grid img")[:8]))
    page.shot("red-square")

    probe = sorted(by_name)[7]
    d.find_element(By.ID, "image-file").send_keys(os.path.join(args.gallery, "images", probe))
    page.wait("reverse image search answers", lambda: page.names()[:1] == [probe])
    check("the uploaded image comes back first", page.names()[:1] == [probe], f"({page.names()[:3]})")
    page.shot("reverse-search")

    page.type("labels", "circle, square, triangle, cross")
    d.find_element(By.CSS_SELECTOR, "#classify-form button").click()
    page.wait("every visible image gets a label", lambda: page.cards() and all(
        c.find_element(By.CSS_SELECTOR, ".label").text for c in page.cards()))
    labelled = [(c.find_element(By.CSS_SELECTOR, ".name").text, c.find_element(By.CSS_SELECTOR, ".label").text) for c in page.cards()]
    shapes = {"circle", "square", "triangle", "cross"}
    check("labels are the given ones, with a probability",
          all(text.split(" ")[0] in shapes and text.endswith("%") for _, text in labelled), str(labelled[:4]))
    agree = sum(1 for name, text in labelled if text.split(" ")[0] in by_name.get(name, ""))
    check("zero-shot agrees with the captions on >= 80%", agree >= 0.8 * len(labelled), f"({agree}/{len(labelled)})")
    page.shot("zero-shot")

    first = page.cards()[0]
    first.find_element(By.CSS_SELECTOR, ".thumb").click()
    page.wait("the viewer shows the full image", lambda: d.execute_script(
        "const i = document.getElementById('viewer-image'); return document.getElementById('viewer').open && i.complete && i.naturalWidth > 0"))
    check("the viewer shows the path", probe in d.find_element(By.ID, "viewer-path").text)
    page.shot("viewer")
    d.find_element(By.ID, "viewer-close").click()
    page.cards()[1].find_element(By.CSS_SELECTOR, ".like").click()
    page.wait("more like this", lambda: "like=" in d.current_url and len(page.cards()) >= 8)
    page.shot("more-like-this")

    d.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    page.wait("infinite scroll loads the next page", lambda: len(page.cards()) > 40)
    d.execute_script("window.scrollTo(0, 0)")
    d.find_element(By.ID, "duplicates-button").click()
    page.wait("near-duplicate groups on request", lambda: "near-duplicates" in d.find_element(By.ID, "count").text.lower()
              and "looking" not in d.find_element(By.ID, "count").text.lower())
    groups = d.find_elements(By.CSS_SELECTOR, "#grid .group-title")
    check("near-duplicate groups listed with their images", (not groups) or len(page.cards()) >= 2 * len(groups),
          f"({len(groups)} groups, {len(page.cards())} images)")
    page.shot("near-duplicates")
    errors = page.console()
    check("no console errors", not errors, str(errors))


def empty_scenario(page, args):
    page.driver.get(args.base_url + "/")
    page.wait("the empty library says how to index", lambda: "clip index" in page.message())
    check("empty library message", "library is empty" in page.message(), page.message())
    page.shot("empty")
    check("no console errors", not page.console(), str(page.console()))


def errors_scenario(page, args):
    d = page.driver
    d.get(args.base_url + "/")
    page.type("query", "cat + + dog")
    page.wait("a bad query is a message", lambda: "two operators" in page.message())
    check("bad query message", "two operators" in page.message(), page.message())
    page.shot("bad-query")
    page.type("query", "a red square")
    page.type("folder", "/no/such/folder")
    page.wait("no results is a message", lambda: "No images match" in page.message())
    check("no results message", "No images match" in page.message(), page.message())
    page.shot("no-results")
    os.kill(args.server_pid, signal.SIGTERM)
    time.sleep(1.0)
    page.type("folder", "", clear=True)
    page.type("query", "a blue circle")
    page.wait("a dead server is a message", lambda: "cannot be reached" in page.message())
    check("server gone message", "cannot be reached" in page.message(), page.message())
    check("the page is not blank", d.find_element(By.ID, "query").is_displayed())
    page.shot("server-gone")
    errors = page.console(allowed=("status of 400", "Failed to load resource", "ERR_CONNECTION_REFUSED"))
    check("no console errors but the provoked ones", not errors, str(errors))


def key_scenario(page, args):
    d = page.driver
    d.get(args.base_url + "/")
    page.wait("the page asks for the key", lambda: d.find_element(By.ID, "key-dialog").get_attribute("open") is not None)
    page.shot("asks-key")
    page.type("key-input", "wrong-" + args.key)
    d.find_element(By.CSS_SELECTOR, "#key-form button").click()
    page.wait("a wrong key is refused and asked again", lambda: d.find_element(By.ID, "key-error").is_displayed())
    check("wrong key message", "not accepted" in d.find_element(By.ID, "key-error").text)
    page.shot("wrong-key")
    page.type("key-input", args.key)
    d.find_element(By.CSS_SELECTOR, "#key-form button").click()
    page.type("query", "a red square")
    page.wait("with the right key, results", lambda: len(page.cards()) >= 8)
    page.wait("thumbnails load with the key", lambda: all(d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img)
                                                          for img in d.find_elements(By.CSS_SELECTOR, "#grid img")[:4]))
    check("key kept in sessionStorage", d.execute_script("return sessionStorage.getItem('swiftclip-api-key')") == args.key)
    page.shot("with-key")
    errors = page.console(allowed=("status of 401",))
    check("no console errors but the refused key", not errors, str(errors))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=["main", "empty", "errors", "key"])
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--artifacts", required=True)
    ap.add_argument("--gallery")
    ap.add_argument("--server-pid", type=int)
    ap.add_argument("--key")
    args = ap.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)
    driver = browser()
    try:
        page = Page(driver, args.artifacts, args.scenario)
        {"main": main_scenario, "empty": empty_scenario, "errors": errors_scenario, "key": key_scenario}[args.scenario](page, args)
    except Exception as error:  # a crash of the check itself is a failure, with its screenshot
        check("scenario ran to the end", False, repr(error))
        driver.save_screenshot(os.path.join(args.artifacts, f"{args.scenario}-crash.png"))
    finally:
        driver.quit()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
