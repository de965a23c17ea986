"""Profile and OneTimeCode move here from reservations: state only, the tables (created by
reservations 0001) keep their names and their rows."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        # The tables are created there (history); after this, reservations 0002 forgets them.
        ('reservations', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='OneTimeCode',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('phone', models.CharField(db_index=True, max_length=11)),
                        ('code_hash', models.CharField(max_length=64)),
                        ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('expires_at', models.DateTimeField()),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('used_at', models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        'db_table': 'reservations_onetimecode',
                        'indexes': [models.Index(fields=['phone', 'created_at'], name='reservation_phone_32580c_idx'), models.Index(fields=['ip_address', 'created_at'], name='reservation_ip_addr_eb7d94_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='Profile',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('phone', models.CharField(max_length=11, unique=True, verbose_name='手机号')),
                        ('name', models.CharField(blank=True, max_length=32, verbose_name='称呼')),
                        ('consent_at', models.DateTimeField(verbose_name='同意隐私政策时间')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='public_profile', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'reservations_profile',
                        'verbose_name': '公众用户',
                        'verbose_name_plural': '公众用户',
                    },
                ),
            ],
        ),
    ]
