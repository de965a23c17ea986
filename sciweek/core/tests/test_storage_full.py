"""A full disk during an upload (issue 11, F5): the localized 507, no temp or partial file
left, no row without its file, and the next request works.

ENOSPC is simulated where it happens for real: the temp file's write while the multipart
parser spools the upload (after a first chunk really went to disk), and Django's
FileSystemStorage._save after it created and half-wrote the target file."""
import errno
import io
import os

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage as DjangoFileSystemStorage
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.http import HttpResponse, JsonResponse
from django.test import Client
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_exempt

from sciweek.accounts import policy
from sciweek.accounts.models import User
from sciweek.activities.models import Activity, Attachment
from sciweek.conftest import sign_in
from sciweek.core import uploads
from sciweek.spreadsheets.models import ImportJob
from sciweek.spreadsheets.storage import private_root

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"0" * 200_000  # several 64 KiB chunks


# --- a URLconf for the API shape (no API endpoint takes files yet) ---------------------------

def _protected_upload(request):
    return JsonResponse({"files": len(request.FILES)})


@csrf_exempt
def _exempt_upload(request):
    return JsonResponse({"files": len(request.FILES)})  # the view itself reads the upload


def _ok(request):
    return HttpResponse("ok")


urlpatterns = [path("api/upload/", _protected_upload), path("api/exempt-upload/", _exempt_upload),
               path("ok/", _ok)]


# --- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def storage_settings(settings, tmp_path):
    """What production gets (see the report of issue 11): our handler, our storage, our
    middleware right before the CSRF middleware; every upload spools to a temp dir we watch."""
    settings.FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler",
                                     "sciweek.core.uploads.TemporaryFileUploadHandler"]
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "spool")
    (tmp_path / "spool").mkdir()
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "sciweek.core.uploads.FileSystemStorage"}}
    middleware = [m for m in settings.MIDDLEWARE if m != "sciweek.core.uploads.StorageFullMiddleware"]
    at = middleware.index("django.middleware.csrf.CsrfViewMiddleware")
    settings.MIDDLEWARE = [*middleware[:at], "sciweek.core.uploads.StorageFullMiddleware", *middleware[at:]]
    return tmp_path / "spool"


@pytest.fixture
def filing(demo):
    filer = User.objects.get(username="unit-filer")
    return next(a for a in Activity.objects.filter(organization__memberships__user=filer).order_by("status", "pk")
                if policy.can(filer, "activity.file", a))


def csrf_client(username):
    """A browser-like client: the CSRF middleware checks the token, so it is the one that
    first reads the upload (as in production; the test client skips the check otherwise)."""
    client = Client(enforce_csrf_checks=True)
    sign_in(client, username)
    client.get("/")
    return client


def post_file(client, url, name, data, lang=None, **fields):
    upload = io.BytesIO(data)
    upload.name = name
    extra = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"} if lang == "en" else {}
    token = client.cookies[settings.CSRF_COOKIE_NAME].value if settings.CSRF_COOKIE_NAME in client.cookies else ""
    return client.post(url, {"csrfmiddlewaretoken": token, "file": upload, **fields}, **extra)


@pytest.fixture
def disk_full_while_spooling(monkeypatch):
    """The first chunk reaches the temp file, the next one does not fit."""
    state = {"chunks": 0, "paths": []}

    def write(self, data):
        state["chunks"] += 1
        state["paths"].append(self.temporary_file_path())
        if state["chunks"] > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.file.write(data)

    monkeypatch.setattr(TemporaryUploadedFile, "write", write, raising=False)
    return state


@pytest.fixture
def disk_full_in_storage(monkeypatch):
    """Django's _save creates the target and writes part of it, then the disk is full."""
    written = []

    def _save(self, name, content):
        target = self.path(name)
        written.append(target)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as half:
            half.write(content.read(1000))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(DjangoFileSystemStorage, "_save", _save)
    return written


def files_under(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def assert_507_page(response, lang="zh-hans"):
    assert response.status_code == 507
    assert response["Content-Type"].startswith("text/html")
    assert response["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in response
    page = response.content.decode()
    assert "Server Error" not in page and "Traceback" not in page and "507" in page
    if lang == "en":
        assert '<html lang="en"' in page and "storage is full" in page and "Error code" in page
        assert "存储空间" not in page
    else:
        assert '<html lang="zh-CN"' in page and "存储空间已满" in page and "没有保存" in page
    return page


# --- the spool: the upload itself does not fit -----------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_disk_full_while_the_upload_spools_is_the_localized_507(filing, storage_settings, disk_full_while_spooling,
                                                                lang, caplog):
    client = csrf_client("unit-filer")
    before = Attachment.objects.count()
    response = post_file(client, reverse("activities:attachment_upload", args=[filing.pk]), "plan.pdf", PDF, lang)
    assert_507_page(response, lang)
    assert disk_full_while_spooling["chunks"] == 2  # failed inside the parse, in our middleware
    assert disk_full_while_spooling["paths"] and files_under(storage_settings) == []  # temp file gone
    assert Attachment.objects.count() == before and files_under(settings.MEDIA_ROOT) == []
    assert any("Storage full" in r.getMessage() and r.exc_info is None for r in caplog.records)


@pytest.mark.django_db
def test_after_a_full_disk_the_next_requests_work(filing, storage_settings, disk_full_while_spooling, monkeypatch):
    client = csrf_client("unit-filer")
    url = reverse("activities:attachment_upload", args=[filing.pk])
    assert post_file(client, url, "plan.pdf", PDF).status_code == 507
    monkeypatch.undo()  # space again
    assert client.get(reverse("activities:filing_detail", args=[filing.pk])).status_code == 200
    response = post_file(client, url, "plan.pdf", PDF)
    assert response.status_code == 302
    attachment = Attachment.objects.get(activity=filing, original_name="plan.pdf")
    assert attachment.file.storage.exists(attachment.file.name) and attachment.file.size == len(PDF)
    assert files_under(storage_settings) == []  # the temp file went with the request


@pytest.mark.django_db
def test_another_os_error_while_spooling_is_not_called_a_full_disk(filing, storage_settings, monkeypatch):
    def write(self, data):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(TemporaryUploadedFile, "write", write, raising=False)
    client = csrf_client("unit-filer")
    with pytest.raises(OSError, match="Input/output") as raised:
        post_file(client, reverse("activities:attachment_upload", args=[filing.pk]), "plan.pdf", PDF)
    assert not isinstance(raised.value, uploads.StorageFull)
    assert files_under(storage_settings) == []  # the lost upload's temp file is removed all the same


# --- the copy into storage: the upload fits, the stored copy does not ------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_disk_full_while_storing_an_attachment(filing, storage_settings, disk_full_in_storage, lang):
    client = csrf_client("unit-filer")
    before = Attachment.objects.count()
    response = post_file(client, reverse("activities:attachment_upload", args=[filing.pk]), "plan.pdf", PDF, lang)
    assert_507_page(response, lang)
    assert len(disk_full_in_storage) == 1  # the partial file existed …
    assert files_under(settings.MEDIA_ROOT) == []  # … and is gone
    assert Attachment.objects.count() == before
    assert files_under(storage_settings) == []  # the request's temp file too, at once


@pytest.mark.django_db
def test_disk_full_while_storing_an_excel_upload(reference_year, org, storage_settings, disk_full_in_storage):
    client = csrf_client("sjz-filer")
    sjz = org("石家庄市")
    template = client.get(reverse("spreadsheets:template", args=[sjz.pk, "project"]))
    assert template.status_code == 200
    response = post_file(client, reverse("spreadsheets:upload"), "备案.xlsx", b"".join(template.streaming_content),
                         organization=sjz.pk)
    assert_507_page(response)
    assert len(disk_full_in_storage) == 1 and disk_full_in_storage[0].startswith(str(private_root()))
    assert files_under(private_root()) == [] and not ImportJob.objects.exists()
    assert files_under(storage_settings) == []


@pytest.mark.django_db
def test_save_upload_removes_the_partial_file_on_any_storage(reference_year, monkeypatch, tmp_path):
    """save_upload does not rely on the storage class cleaning up (the private storage is
    Django's own FileSystemStorage underneath)."""
    from django.core.files.base import ContentFile

    def _save(self, name, content):
        (tmp_path / "media").mkdir(exist_ok=True)
        target = self.path(name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as half:
            half.write(b"half")
        raise OSError(errno.EDQUOT, "Disk quota exceeded")

    monkeypatch.setattr(DjangoFileSystemStorage, "_save", _save)
    job = ImportJob(campaign=reference_year)
    with pytest.raises(uploads.StorageFull):
        uploads.save_upload(job.file, "x.xlsx", ContentFile(b"data" * 100))
    assert not job.file and files_under(private_root()) == []


# --- the API's shape --------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/api/upload/", "/api/exempt-upload/"])
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_an_api_upload_on_a_full_disk_gets_the_json_error(storage_settings, disk_full_while_spooling, url, lang):
    client = Client(enforce_csrf_checks=url == "/api/upload/")
    client.cookies[settings.CSRF_COOKIE_NAME] = "x" * 32
    response = post_file(client, url, "plan.pdf", PDF, lang)
    assert response.status_code == 507 and response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "storage_full"
    if lang == "en":
        assert "storage is full" in error["message"]
    else:
        assert "存储空间已满" in error["message"]
    assert files_under(storage_settings) == []
    assert client.get("/ok/").status_code == 200


def test_a_refused_upload_frees_its_temp_file_before_the_answer_goes_out(storage_settings, rf):
    """Django closes uploads when the response is closed, after it was sent: on a nearly full
    disk the next request would not find the space yet."""
    upload = io.BytesIO(PDF)
    upload.name = "plan.pdf"
    request = rf.post("/console/excel/import/", {"file": upload})
    spooled = request.FILES["file"].temporary_file_path()
    assert os.path.exists(spooled)
    middleware = uploads.StorageFullMiddleware(lambda request: HttpResponse("invalid", status=400))
    assert middleware(request).status_code == 400
    assert not os.path.exists(spooled) and files_under(storage_settings) == []
