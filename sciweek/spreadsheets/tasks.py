"""Background work for Excel imports (database queue by default, RQ in production)."""
from django_tasks import task

from . import services


@task()
def check_import(job_id: int) -> str:
    """Validate every row of an uploaded workbook and store the preview (saves no filing)."""
    return services.run_check(job_id)


@task()
def import_rows(job_id: int) -> str:
    """Insert the rows the user confirmed, in one transaction."""
    return services.run_import(job_id)
