"""The API reference site as a browser shows it: the built site (mkdocs.yml,
docs/) opened in headless Chromium, which prints the page's DOM after its
scripts ran. The index page and the fastnn.nn page must render: the
navigation lists the pages, the search box is there, the API page shows
`Linear` with its signature, and the theme's JavaScript ran.

To run it (CI does, with FASTNN_DOCS_REQUIRED=1):

    pip install -e ".[docs]" && mkdocs build --strict      # into site/
    apt-get install chromium
    FASTNN_DOCS_SITE=site python -m pytest tests/test_docs.py

Without FASTNN_DOCS_SITE, or without a chromium on PATH, the tests skip;
with FASTNN_DOCS_REQUIRED=1 that is a failure instead."""
import os
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.slow

SITE_ENV = "FASTNN_DOCS_SITE"
REQUIRED = os.environ.get("FASTNN_DOCS_REQUIRED") == "1"
HOW = ('build the site with `mkdocs build --strict -d DIR` (pip install -e ".[docs]"), '
       'install chromium, and run with FASTNN_DOCS_SITE=DIR')
BROWSER_TIMEOUT = 120      # seconds for one page

# the navigation's titles (mkdocs.yml's nav), a selection that covers every level
NAV_TITLES = ["Getting started", "Examples", "API reference", "fastnn", "fastnn.nn",
              "fastnn.nn.functional", "fastnn.optim", "fastnn.data", "fastnn.train",
              "fastnn.onnx", "Saving and loading", "Performance", "Design"]


def unavailable(reason):
    """Skip, or fail when the docs check is required (CI)."""
    if REQUIRED:
        pytest.fail(f"{reason} (FASTNN_DOCS_REQUIRED=1: the docs check must run; {HOW})")
    pytest.skip(f"{reason}; to run it: {HOW}")


@pytest.fixture(scope="module")
def site():
    folder = os.environ.get(SITE_ENV)
    if not folder:
        unavailable(f"{SITE_ENV} is not set")
    if not os.path.isfile(os.path.join(folder, "index.html")):
        pytest.fail(f"{SITE_ENV}={folder} holds no built site (no index.html); {HOW}")
    return os.path.abspath(folder)


@pytest.fixture(scope="module")
def browser():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        unavailable("chromium is not installed (Debian: apt-get install chromium)")
    return exe


@pytest.fixture(scope="module")
def render(site, browser, tmp_path_factory):
    """render(page) -> (static HTML of the file, DOM after the page's scripts ran)."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    cache = {}

    def run(page):
        if page not in cache:
            path = os.path.join(site, page)
            assert os.path.isfile(path), f"the built site has no {page}"
            cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu",
                   "--disable-dev-shm-usage", "--no-first-run", f"--user-data-dir={profile}",
                   "--virtual-time-budget=3000", "--dump-dom", "file://" + path]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True,
                                      timeout=BROWSER_TIMEOUT)
            except subprocess.TimeoutExpired:
                pytest.fail(f"chromium did not print {page}'s DOM within {BROWSER_TIMEOUT} s")
            assert proc.returncode == 0 and "<html" in proc.stdout, (
                f"chromium failed on {page} (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
            with open(path, encoding="utf-8") as f:
                cache[page] = (Node.parse(f.read()), Node.parse(proc.stdout))
        return cache[page]
    return run


class Node:
    """A small DOM: tag, attributes, children (Nodes and text strings)."""
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self, tag, attrs):
        self.tag, self.attrs, self.children = tag, dict(attrs), []

    @classmethod
    def parse(cls, html):
        root = cls("#document", {})
        stack = [root]

        class Builder(HTMLParser):
            def handle_starttag(self, tag, attrs):
                node = cls(tag, [(k, v if v is not None else "") for k, v in attrs])
                stack[-1].children.append(node)
                if tag not in cls.VOID:
                    stack.append(node)

            def handle_startendtag(self, tag, attrs):
                stack[-1].children.append(cls(tag, [(k, v or "") for k, v in attrs]))

            def handle_endtag(self, tag):
                for i in range(len(stack) - 1, 0, -1):   # tolerate unclosed elements
                    if stack[i].tag == tag:
                        del stack[i:]
                        break

            def handle_data(self, data):
                stack[-1].children.append(data)

        b = Builder(convert_charrefs=True)
        b.feed(html)
        b.close()
        return root

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag=None, **attrs):
        """Elements with this tag whose attributes hold these values (class:
        one of the element's classes; attribute names with _ for -)."""
        out = []
        for n in self.iter():
            if tag is not None and n.tag != tag:
                continue
            ok = True
            for k, v in attrs.items():
                k = "class" if k == "class_" else k.replace("_", "-")
                have = n.attrs.get(k)
                if have is None or (k == "class" and v not in have.split()) or (
                        k != "class" and v is not True and have != v):
                    ok = False
                    break
            if ok:
                out.append(n)
        return out

    def find(self, tag=None, **attrs):
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def text(self):
        """The text content, whitespace collapsed (as textContent)."""
        return " ".join(self._raw().split())

    def _raw(self):
        return "".join(c if isinstance(c, str) else c._raw() for c in self.children)


def nav_titles(dom):
    nav = dom.find("div", data_md_type="navigation")
    assert nav is not None, "no navigation sidebar in the page"
    return {s.text() for s in nav.find_all("span", class_="md-ellipsis")}


def copy_buttons(dom):
    """The code blocks' copy buttons, which the theme's script adds at run time."""
    return dom.find_all("button", class_="md-code__button", data_md_type="copy")


@pytest.mark.parametrize("page", ["index.html", "api/nn.html"])
def test_navigation_search_and_script(render, page):
    static, dom = render(page)
    titles = nav_titles(dom)
    missing = [t for t in NAV_TITLES if t not in titles]
    assert not missing, f"{page}: the navigation lacks {missing} (it has {sorted(titles)})"
    box = dom.find("input", class_="md-search__input")
    assert box is not None, f"{page}: no search box"
    assert box.attrs.get("data-md-component") == "search-query"
    # the page's JavaScript ran: copy buttons on the code blocks and the
    # "js" class on <html> are absent from the file and present in the DOM
    assert not copy_buttons(static), f"{page}: the static file already has copy buttons"
    assert copy_buttons(dom), f"{page}: no copy buttons on the code blocks: the theme's script did not run"
    html_static, html_dom = static.find("html"), dom.find("html")
    assert "no-js" in html_static.attrs.get("class", "").split()
    classes = html_dom.attrs.get("class", "").split()
    assert "js" in classes and "no-js" not in classes, f"{page}: <html class={classes}>"


def test_index_page(render):
    _, dom = render("index.html")
    h1 = dom.find("h1")
    assert h1 is not None and h1.text().rstrip("¶ ") == "Getting started", h1 and h1.text()
    body = dom.find("article").text()
    for needle in ('pip install fastnn_cpu-0.1.0.tar.gz', 'import fastnn as torch', 'nn.Sequential',
                   'fastnn.save(net.state_dict(), "m.safetensors")',
                   'fastnn.onnx.export(net, example, "m.onnx")', 'python -m pytest -q'):
        assert needle in body, f"the index page lacks {needle!r}"


def test_api_page_documents_linear(render):
    _, dom = render("api/nn.html")
    heading = dom.find(id="fastnn.nn.Linear")
    assert heading is not None, "no heading for fastnn.nn.Linear"
    assert "Linear" in heading.text()
    # the class's block: its heading, then its signature and docstring
    block = next(n for n in dom.iter()
                 if n.tag == "div" and "doc-class" in n.attrs.get("class", "").split()
                 and heading in n.children)
    sig = block.find("div", class_="doc-signature")
    assert sig is not None, "Linear has no signature block"
    text = sig.text().replace(" ", "")
    assert text.startswith("Linear(") and "in_features" in text and "out_features" in text, text
    assert block.find("div", class_="doc-contents").text(), "Linear's docstring is empty"
    # the other layers and the losses are on the page too
    for name in ("Module", "Sequential", "ReLU", "CrossEntropyLoss"):
        assert dom.find(id=f"fastnn.nn.{name}") is not None, f"fastnn.nn.{name} is not documented"
