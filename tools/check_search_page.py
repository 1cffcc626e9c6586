"""Drives `clip serve`'s search page in a real headless Chromium (Debian's chromium + chromedriver, through
Selenium) and checks what a person would see. One scenario per run; a screenshot PNG per step goes to
--artifacts.

  main     over the demo gallery, served with --index of its images folder, to which test-search-page.sh
           adds a tall photo (TALL): first paint < 1 s; with no query, the library's size, its folders and
           what to type (an example query searches); typing "a red square" fills the grid (>= 8 results,
           the top one's caption names red and square) and the count says "Best 40 of N images — more load
           as you scroll"; a gallery image uploaded for reverse search comes back first; zero-shot labels
           "circle, square, triangle, cross" label every visible image (>= 80% agree with the captions); the
           viewer, "More like this", infinite scroll to the end ("All N images"); the tall photo's cell is
           square like the others (the viewer shows it whole); near-duplicate groups without the image
           search's chip, again at a lower threshold (more images grouped); no console errors at all.
  phone    a 400 x 860 window: every header control shown and inside the viewport, nothing wider than it,
           before and after a search and in the near-duplicates view; results on the first screen.
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
import traceback

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

passed, failed = 0, 0
TALL = "tall-photo.png"  # 1:4, written into the gallery's images by test-search-page.sh
HEADER_CONTROLS = {"query field": "#query", "folder field": "#folder", "Image… button": "label[for=image-file]",
                   "labels field": "#labels", "Classify button": "#classify-form button",
                   "Near-duplicates button": "#duplicates-button"}


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

    def rect(self, element):
        return self.driver.execute_script("const r = arguments[0].getBoundingClientRect(); "
                                          "return {left: r.left, top: r.top, width: r.width, height: r.height, right: r.right}", element)

    def viewport(self):
        """The visible width (less a vertical scroll bar) and height, and how wide the page's content is."""
        return self.driver.execute_script("const e = document.documentElement; return {width: e.clientWidth, "
                                          "height: window.innerHeight, scroll: e.scrollWidth}")

    def duplicates_shown(self):
        count = self.driver.find_element(By.ID, "count").text.lower()
        return "near-duplicates" in count and "looking" not in count

    def forget_requests(self):
        """Empties the resource timing buffer, which keeps only the first 250 requests (thumbnails fill it)."""
        self.driver.execute_script("performance.clearResourceTimings()")

    def requested(self, fragment):
        """Whether the page has asked for a URL with `fragment` in it since forget_requests."""
        return self.driver.execute_script("return performance.getEntriesByType('resource').some((e) => e.name.includes(arguments[0]))", fragment)

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

    # No query: not a blank page but the library (once the --index pass has taken in the tall photo) and hints.
    total = len(os.listdir(os.path.join(args.gallery, "images")))
    welcome = d.find_element(By.ID, "welcome")
    page.wait(f"with no query, the library's size ({total} images)", lambda: welcome.is_displayed()
              and d.find_element(By.ID, "welcome-title").text == f"{total} images in the library")
    folders = [b.text for b in d.find_elements(By.CSS_SELECTOR, "#folder-list button")]
    check("the indexed folder is listed", folders and folders[0].endswith("gallery/train/images"), str(folders))
    entries = [li.text for li in d.find_elements(By.CSS_SELECTOR, "#folder-list li")]
    check(f"with its image count ({total})", entries and entries[0].endswith(f" {total} images"), str(entries))
    check("what to type or drop is said", "Type what you are looking for" in welcome.text and "drop or paste" in welcome.text, welcome.text)
    check("no results and no count yet", not page.cards() and not d.find_element(By.ID, "count").text)
    page.shot("no-query")
    if folders:
        d.find_element(By.CSS_SELECTOR, "#folder-list button").click()
        check("a listed folder becomes the folder filter", d.find_element(By.ID, "folder").get_attribute("value") == folders[0])
        page.type("folder", "")
    example = d.find_element(By.CSS_SELECTOR, "#welcome .example")
    words = example.text  # read while shown: Selenium's text of a hidden element is ""
    example.click()
    page.wait("an example query searches", lambda: len(page.cards()) >= 8 and d.find_element(By.ID, "query").get_attribute("value") == words)
    check("the hints give way to the results", not welcome.is_displayed())

    page.type("query", "a red square")
    page.wait("grid fills while typing", lambda: len(page.cards()) >= 8 and "a red square" in d.current_url.replace("+", " "))
    names = page.names()
    check("at least 8 results", len(names) >= 8, f"({len(names)})")
    top = by_name.get(names[0], "") if names else ""
    check("top result's caption names red and square", "red" in top and "square" in top, f"({names[:1]}: {top!r})")
    check("query kept in the URL", "q=a+red+square" in d.current_url or "q=a%20red%20square" in d.current_url, d.current_url)
    count = d.find_element(By.ID, "count").text
    check("the count says these are the best of the library, and more come",
          count == f"Best 40 of {total} images — more load as you scroll", count)
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
    captioned = [(name, text) for name, text in labelled if name in by_name]  # not the tall photo
    agree = sum(1 for name, text in captioned if text.split(" ")[0] in by_name[name])
    check("zero-shot agrees with the captions on >= 80%", captioned and agree >= 0.8 * len(captioned), f"({agree}/{len(captioned)})")
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

    def scrolled_to_end():
        d.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        return d.find_element(By.ID, "count").text.startswith("All")
    page.wait("scrolling on reaches the end", scrolled_to_end, seconds=60)
    count = d.find_element(By.ID, "count").text
    check("at the end the count says all are shown", count == f"All {total} images, best first" and len(page.cards()) == total,
          f"({count!r}, {len(page.cards())} cards)")
    d.execute_script("window.scrollTo(0, 0)")

    # A tall photo gets the same square cell as the others (cropped; the viewer shows it whole).
    d.find_element(By.ID, "image-file").send_keys(os.path.join(args.gallery, "images", TALL))
    page.wait("the tall photo comes back first", lambda: page.names()[:1] == [TALL])
    page.wait("its thumbnail loads", lambda: d.execute_script("const i = document.querySelector('#grid img'); return i.complete && i.naturalWidth > 0"))
    cells = [page.rect(c) for c in page.cards()[:12]]
    thumbs = [page.rect(t) for t in d.find_elements(By.CSS_SELECTOR, "#grid .thumb")[:12]]
    # A grid row is as high as its highest cell, so the tall photo's row is measured against the next row.
    check("the tall photo's row as high as the next", len({round(c["top"]) for c in cells}) > 1 and
          max(c["height"] for c in cells) - min(c["height"] for c in cells) < 1, str([round(c["height"]) for c in cells]))
    check("every thumbnail square, the tall one too", all(abs(t["height"] - t["width"]) < 1 for t in thumbs),
          str([(round(t["width"]), round(t["height"])) for t in thumbs[:3]]))
    check("no cell taller than 1.6 times its width", all(c["height"] <= 1.6 * c["width"] for c in cells), str(cells[0]))
    page.shot("tall-photo")
    page.cards()[0].find_element(By.CSS_SELECTOR, ".thumb").click()
    page.wait("the viewer shows the tall photo", lambda: d.execute_script(
        "const i = document.getElementById('viewer-image'); return document.getElementById('viewer').open && i.complete && i.naturalWidth > 0"))
    shown = page.rect(d.find_element(By.ID, "viewer-image"))
    check("whole, not cropped (1:4)", abs(shown["height"] / shown["width"] - 4) < 0.1, str(shown))
    page.shot("tall-photo-viewer")
    d.find_element(By.ID, "viewer-close").click()

    # Near-duplicates: the image search's chip goes, and a threshold asks again.
    check("the image search's chip is up before", d.find_element(By.ID, "query-image").is_displayed())
    page.forget_requests()
    d.find_element(By.ID, "duplicates-button").click()
    page.wait("near-duplicate groups on request", page.duplicates_shown)
    groups = d.find_elements(By.CSS_SELECTOR, "#grid .group-title")
    check("near-duplicate groups listed with their images", (not groups) or len(page.cards()) >= 2 * len(groups),
          f"({len(groups)} groups, {len(page.cards())} images)")
    check("no stale 'Searching by' chip", not d.find_element(By.ID, "query-image").is_displayed()
          and "Searching by" not in d.find_element(By.TAG_NAME, "header").text)
    threshold = d.find_element(By.ID, "threshold")
    check("a threshold control, at the server's default 0.95 (0.80 to 0.99)", threshold.is_displayed() and
          [threshold.get_attribute(a) for a in ("value", "min", "max")] == ["0.95", "0.80", "0.99"])
    check("asked at that threshold", page.requested("/v1/duplicates?threshold=0.95"))
    page.shot("near-duplicates")
    grouped = len(page.cards())
    page.forget_requests()
    page.type("threshold", "0.85")
    page.wait("a lower threshold asks again", lambda: page.requested("/v1/duplicates?threshold=0.85") and page.duplicates_shown())
    looser = len(page.cards())
    check("a lower threshold groups more images", looser > grouped, f"({grouped} at 0.95, {looser} at 0.85)")
    page.shot("near-duplicates-0.85")
    errors = page.console()
    check("no console errors", not errors, str(errors))


def phone_scenario(page, args):
    d = page.driver
    d.set_window_size(400, 860)
    d.get(args.base_url + "/")
    page.wait("a phone-sized window", lambda: d.execute_script("return window.innerWidth") <= 420)

    def fits(where):
        view = page.viewport()
        for name, selector in HEADER_CONTROLS.items():
            element = d.find_element(By.CSS_SELECTOR, selector)
            box = page.rect(element)
            check(f"{where}: the {name} is shown, inside the viewport", element.is_displayed() and box["width"] > 0
                  and box["left"] >= 0 and box["right"] <= view["width"], f"({box}, viewport {view['width']})")
        check(f"{where}: nothing wider than the viewport", view["scroll"] <= view["width"], str(view))

    page.wait("the welcome shows", lambda: d.find_element(By.ID, "welcome").is_displayed())
    fits("no query")
    page.shot("no-query")
    page.type("query", "a red square")
    page.wait("a search shows results", lambda: len(page.cards()) >= 8)
    fits("results")
    top = page.rect(page.cards()[0])
    check("the first result is on the first screen", top["top"] < page.viewport()["height"] - 100, str(top))
    page.shot("results")
    d.find_element(By.ID, "duplicates-button").click()
    page.wait("near-duplicates", page.duplicates_shown)
    threshold = d.find_element(By.ID, "threshold")
    check("the threshold is shown, inside the viewport", threshold.is_displayed() and page.rect(threshold)["right"] <= page.viewport()["width"])
    fits("near-duplicates")
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
    ap.add_argument("scenario", choices=["main", "phone", "empty", "errors", "key"])
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
        {"main": main_scenario, "phone": phone_scenario, "empty": empty_scenario, "errors": errors_scenario, "key": key_scenario}[args.scenario](page, args)
    except Exception as error:  # a crash of the check itself is a failure, with its screenshot
        check("scenario ran to the end", False, repr(error))
        traceback.print_exc()
        driver.save_screenshot(os.path.join(args.artifacts, f"{args.scenario}-crash.png"))
    finally:
        driver.quit()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
