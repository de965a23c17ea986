"""Screenshot a page of a running SciWeek in headless Debian Chromium.

usage: python scripts/screenshot.py URL OUT.png [--width 1280] [--login USER PASSWORD [TOTP]]
"""
import argparse

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--login", nargs="+")
    parser.add_argument("--locale", default="zh-CN")
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": 900}, locale=args.locale)
        if args.login:
            base = args.url.split("/", 3)
            page.goto(f"{base[0]}//{base[2]}/accounts/login/")
            page.fill("#id_username", args.login[0])
            page.fill("#id_password", args.login[1])
            page.click("form:has(#id_username) button[type=submit]")
            if len(args.login) > 2:
                page.fill("#id_token", args.login[2])
                page.click("form.stack button[type=submit]")
        page.goto(args.url)
        page.screenshot(path=args.out, full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
