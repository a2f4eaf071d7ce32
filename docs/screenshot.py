"""Screenshot the main pages of the built documentation, for a person to look at.

The docs build checks that every page renders; only a look in a browser shows
whether a figure says what its text says, or a table hides behind a
scrollbar. This script opens the built pages in headless Chromium at 1400 px
width and writes one full-page PNG per page.

Setup (on purpose in no extra of pyproject.toml: the tests and the docs
build do not need a browser)::

    apt-get install -y chromium      # Debian's build; or any Chromium
    pip install playwright           # drives it; no browser download needed

Build the docs, then::

    python -m sphinx -b html docs docs/_build/html
    python docs/screenshot.py                  # PNGs in docs/_build/screenshots
    python docs/screenshot.py --pages index benchmarks --width 1000

The browser is started offline (no background networking, no updates), as
on a CI machine without internet access.
"""

import argparse
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
HTML = DOCS / "_build" / "html"

PAGES = [
    "index",
    "install",
    "user_guide",
    "auto_examples/index",
    "auto_examples/plot_quickstart",
    "auto_examples/plot_mnist_boundary",
    "auto_examples/plot_mu_over_training",
    "api",
    "gen_modules/skdvaan.DVAANClassifier",
    "trust",
    "benchmarks",
    "paper_results",
    "changelog",
]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=HTML, help="built docs")
    parser.add_argument("--out", type=Path, default=DOCS / "_build" / "screenshots")
    parser.add_argument("--width", type=int, default=1400, help="viewport, px")
    parser.add_argument("--height", type=int, default=900, help="viewport, px")
    parser.add_argument(
        "--browser", default="/usr/bin/chromium", help="Chromium executable"
    )
    parser.add_argument("--pages", nargs="*", default=PAGES)
    parser.add_argument(
        "--viewport-only",
        action="store_true",
        help="only the first screen of each page, not the full page",
    )
    args = parser.parse_args(argv)

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("playwright is not installed: pip install playwright")
    if not (args.html / "index.html").is_file():
        sys.exit(f"no built docs in {args.html}: build them first")
    args.out.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=args.browser, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(
            viewport={"width": args.width, "height": args.height},
            device_scale_factor=1,
        )
        for name in args.pages:
            path = args.html / f"{name}.html"
            if not path.is_file():
                print(f"missing: {path}")
                continue
            page.goto(path.as_uri(), wait_until="load")
            # Let MathJax typeset before the picture is taken.
            page.wait_for_timeout(1500)
            png = args.out / (name.replace("/", "__") + ".png")
            page.screenshot(path=str(png), full_page=not args.viewport_only)
            scroll = page.evaluate(
                "() => Array.from(document.querySelectorAll('.bd-article table,"
                " .bd-article div.math'))"
                ".filter(e => e.scrollWidth > e.clientWidth + 1).length"
            )
            note = f" ({scroll} element(s) wider than their box)" if scroll else ""
            print(f"{png}{note}")
        browser.close()


if __name__ == "__main__":
    main()
