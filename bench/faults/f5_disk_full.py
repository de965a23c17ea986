"""F5 — disk full during an upload (RELIABILITY-PLAN §3.3). Needs root (mount).

MEDIA_ROOT, the private import root next to it and the upload temp dir (TMPDIR, which Django's
FILE_UPLOAD_TEMP_DIR falls back to) live on a 16 MB tmpfs. Through the real endpoints, as the
signed-in demo filer: a filing attachment of 18 MB (bigger than the file system: the spooled
upload itself hits ENOSPC) and of 10 MB (the spool fits, the copy into storage does not), then
the same two sizes as an Excel import upload. Checks, for every upload: no 500 and a localized
"storage full" message on the page the user ends on (存储/空间/磁盘); no database row pointing
at a missing file; no partial file left in the storage or the temp dir; the catalog and the
filing page still 200; check_integrity.

    .venv/bin/python bench/faults/f5_disk_full.py
"""
import os
import re
import subprocess

from harness import DEMO_PASSWORD, Fault, main_exit, staff_login_sync

SIZE_MB = 16
STORAGE_WORDS = re.compile("存储|空间|磁盘")
MB = 1024 * 1024


def main():
    with Fault(5, "disk_full", limit=120) as f:
        small = f.base / "small"
        small.mkdir()
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE_MB}m", "tmpfs", str(small)],
                                 capture_output=True, text=True)
        if mounted.returncode:
            f.notes.append("tmpfs mount impossible: " + mounted.stderr.strip())
            f.finish({"mounted": False}, {"mount": "impossible (needs root)"})
            main_exit(f)
        f.cleanups.append(lambda: subprocess.run(["umount", "-l", str(small)], capture_output=True))
        media, tmp = small / "media", small / "tmp"
        media.mkdir()
        tmp.mkdir()
        f.start_pg()
        f.start_redis()
        f.start_app(SCIWEEK_MEDIA_ROOT=media, TMPDIR=tmp)
        base, seed = f.app.url, f.seed
        ok, client, _ = staff_login_sync(base, seed["filer"], DEMO_PASSWORD)
        client.follow_redirects = True
        filing = f"{base}/console/filings/{seed['filing']}/"
        cases, leftovers = [], []

        def get(url):
            """A GET; a connection the server dropped after a failed upload is not this page's fault."""
            for _ in range(2):
                try:
                    return client.get(url).status_code
                except Exception as error:  # noqa: BLE001
                    failure = type(error).__name__
            return failure

        def upload(label, url, size, name, head, extra=None):
            before = get(filing) if "attach" in label else None
            token = client.cookies.get("csrftoken") or ""
            body = head + os.urandom(size - len(head))
            try:
                response = client.post(url, data={"csrfmiddlewaretoken": token, **(extra or {})},
                                       files={"file": (name, body, "application/octet-stream")},
                                       headers={"Referer": filing})
                status, text = response.status_code, response.text
                redirected = [r.status_code for r in response.history]
            except Exception as error:  # noqa: BLE001
                status, text, redirected = 0, type(error).__name__, []
            # Temp files a failed upload left behind: counted, then removed, so the next case
            # tests its own step (spool vs. copy into storage) and not this one's leftovers.
            left = [p for p in tmp.rglob("*") if p.is_file()]
            leftovers.extend(str(p) for p in left)
            free = os.statvfs(small)
            for p in left:
                p.unlink()
            cases.append({"case": label, "mb": round(size / MB, 1), "status": status, "redirects": redirected,
                          "localized_storage_error": bool(STORAGE_WORDS.search(text)) and status != 500,
                          # 507 (Insufficient Storage) is the answer wanted; a 500 is a crash.
                          "server_error_page": status == 500 or "Server Error" in text,
                          "refused_before_storage": 400 <= status < 500,
                          "free_mb_after": round(free.f_bavail * free.f_frsize / MB, 1),
                          "filing_page_before": before, "temp_left": len(left)})

        pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
        xlsx = b"PK\x03\x04\x14\x00\x06\x00"
        attach = f"{filing}attachments/"
        excel = f"{base}/console/excel/import/"
        upload("attach_18mb", attach, 18 * MB, "big.pdf", pdf)
        upload("attach_10mb", attach, 10 * MB, "half.pdf", pdf)
        upload("excel_18mb", excel, 18 * MB, "big.xlsx", xlsx, {"organization": seed["filer_org"]})
        upload("excel_10mb", excel, 10 * MB, "half.xlsx", xlsx, {"organization": seed["filer_org"]})

        # What the database points at, and what the disk holds.
        referenced = set()
        missing = 0
        rows = f.pg.sql("SELECT file FROM activities_attachment")
        for (name,) in rows:
            referenced.add(str(media / name))
            missing += not (media / name).exists()
        for column in ("file", "rows_file"):
            for (name,) in f.pg.sql(f"SELECT {column} FROM spreadsheets_importjob WHERE {column} <> ''"):
                referenced.add(str(small / "private" / name))
                missing += not (small / "private" / name).exists()
        on_disk = [str(p) for p in small.rglob("*") if p.is_file()]
        partial = leftovers + [p for p in on_disk if p not in referenced]
        catalog = get(f"{base}/{seed['year']}/activities/")
        detail = get(filing)
        integrity_ok, integrity = f.integrity()
        figures = {"fs_mb": SIZE_MB, "uploads": len(cases),
                   "localized": sum(c["localized_storage_error"] for c in cases),
                   "http_500": sum(c["server_error_page"] for c in cases),
                   "statuses": "/".join(str(c["status"]) for c in cases),
                   "rows_missing_file": missing, "partial_files": len(partial), "catalog": catalog,
                   "filing_page": detail, "integrity": "ok" if integrity_ok else "BROKEN"}
        # The 10 MB "xlsx" is random bytes behind a zip header: the app may refuse it as a broken
        # file (4xx) before storing anything, which is right too; the others must hit the disk.
        checks = {"mounted": True, "signed_in": ok, "localized_error_every_upload": all(
                      c["localized_storage_error"] or (c["case"] == "excel_10mb" and c["refused_before_storage"])
                      for c in cases),
                  "no_500": not any(c["server_error_page"] for c in cases), "no_row_without_file": missing == 0,
                  "no_partial_file": not partial, "other_pages_fine": catalog == 200 and detail == 200,
                  "invariant": integrity_ok}
        f.finish(checks, figures, {"cases": cases, "partial_files": partial[:20],
                                   "log_tail": f.app.log_text()[-3000:]})
    main_exit(f)


if __name__ == "__main__":
    main()
