"""F7 — a slow client uploads a file near the size limit through nginx (RELIABILITY-PLAN §3.3).

Debian's nginx in front of gunicorn (`apt-get install nginx-light`; own config and prefix in
the temp dir, `proxy_request_buffering on`, so nginx takes the slow body and hands gunicorn a
fast one). The signed-in demo filer sends a 19 MB PDF as a filing attachment with
`curl --limit-rate 100K` (about 3 minutes, six times gunicorn's 30 s worker timeout). Checks:
the upload completes (302 back to the filing, the attachment row with the right size), no
`WORKER TIMEOUT` in the gunicorn log, other requests answered meanwhile. Resuming a cut upload
is not tested: there is no chunked/resumable upload endpoint.

    .venv/bin/python bench/faults/f7_slow_upload.py        # needs nginx (root to install it)
"""
import os
import shutil
import subprocess
import threading
import time

import httpx
from harness import DEMO_PASSWORD, Fault, free_port, main_exit, staff_login_sync

SIZE = 19 * 1024 * 1024
RATE = "100K"

CONF = """daemon off;
user root;
worker_processes 1;
pid {base}/nginx.pid;
error_log {base}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {base}/nginx-access.log;
    client_body_temp_path {base}/ngx-body;
    proxy_temp_path {base}/ngx-proxy;
    fastcgi_temp_path {base}/ngx-fastcgi;
    uwsgi_temp_path {base}/ngx-uwsgi;
    scgi_temp_path {base}/ngx-scgi;
    client_max_body_size 25m;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{app};
            proxy_request_buffering on;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


def main():
    with Fault(7, "slow_upload", limit=290) as f:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(nginx):
            f.finish({"nginx_installed": False}, {"nginx": "missing: apt-get install -y nginx-light"})
            main_exit(f)
        f.start_all()
        port = free_port(8091)
        conf = f.base / "nginx.conf"
        conf.write_text(CONF.format(base=f.base, port=port, app=f.app.port))
        proc = subprocess.Popen([nginx, "-p", str(f.base), "-c", str(conf), "-e", str(f.base / "nginx-error.log")],
                                start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        f.cleanups.append(lambda: (proc.terminate(), proc.wait(10)))
        front = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                if httpx.get(front + "/", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        ok, client, _ = staff_login_sync(front, f.seed["filer"], DEMO_PASSWORD)
        filing = f"{front}/console/filings/{f.seed['filing']}/"
        client.get(filing)
        cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        token = client.cookies.get("csrftoken") or ""
        pdf = f.base / "slow.pdf"
        pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + os.urandom(SIZE - 15))
        probes = []

        def probe():  # the site keeps answering while nginx takes the slow body
            while not done.is_set():
                started = time.monotonic()
                try:
                    status = httpx.get(f"{front}/{f.seed['year']}/activities/", timeout=30).status_code
                except httpx.HTTPError:
                    status = 0
                probes.append((status, time.monotonic() - started))
                done.wait(5)

        done = threading.Event()
        prober = threading.Thread(target=probe, daemon=True)
        prober.start()
        started = time.monotonic()
        curl = subprocess.run(
            ["curl", "-sS", "--limit-rate", RATE, "-o", "/dev/null", "-w", "%{http_code} %{size_upload}",
             "-H", f"Cookie: {cookies}", "-H", f"Referer: {filing}", "-F", f"csrfmiddlewaretoken={token}",
             "-F", f"file=@{pdf};type=application/pdf", f"{filing}attachments/"],
            capture_output=True, text=True, timeout=f.remaining() - 30)
        seconds = time.monotonic() - started
        done.set()
        prober.join(10)
        status, uploaded = (curl.stdout.split() + ["0", "0"])[:2]
        rows = f.pg.sql(f"SELECT count(*) FROM activities_attachment WHERE activity_id={f.seed['filing']} "
                        f"AND size={SIZE}")[0][0]
        timeouts = f.worker_timeouts()
        integrity_ok, integrity = f.integrity()
        figures = {"mb": round(SIZE / 1048576), "rate": RATE, "seconds": round(seconds, 1), "http": status,
                   "uploaded_mb": round(float(uploaded) / 1048576, 1), "attachment_rows": rows,
                   "worker_timeouts": timeouts, "probes": len(probes),
                   "probe_failures": sum(1 for s, _ in probes if s != 200),
                   "probe_max_ms": round(max((t for _, t in probes), default=0) * 1000),
                   "integrity": "ok" if integrity_ok else "BROKEN"}
        checks = {"signed_in": ok, "completed": curl.returncode == 0 and status == "302" and rows == 1,
                  "no_worker_timeout": timeouts == 0, "site_answered_meanwhile": all(s == 200 for s, _ in probes),
                  "invariant": integrity_ok}
        f.finish(checks, figures, {"curl_stderr": curl.stderr[-500:],
                                   "nginx_error_tail": (f.base / "nginx-error.log").read_text()[-1500:]})
    main_exit(f)


if __name__ == "__main__":
    main()
