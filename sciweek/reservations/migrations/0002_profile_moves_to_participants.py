"""Profile and OneTimeCode now belong to participants (its 0001 took them over): forget them
here in the state only, so their tables and rows stay where they are."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reservations', '0001_initial'),
        ('participants', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='OneTimeCode'),
                migrations.DeleteModel(name='Profile'),
            ],
        ),
    ]
