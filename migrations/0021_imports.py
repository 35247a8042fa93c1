from tortoise import migrations
from tortoise.migrations import operations as ops
from decimal import Decimal
from models.imports import ImportKind, ImportStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0020_certificate_declining')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ImportJob',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='VOLUNTEERS: VOLUNTEERS\nORGANIZATIONS: ORGANIZATIONS\nMEMBERSHIPS: MEMBERSHIPS\nHOURS: HOURS', enum_type=ImportKind, max_length=16)),
                ('status', fields.CharEnumField(default=ImportStatus.QUEUED, description='QUEUED: QUEUED\nRUNNING: RUNNING\nSUCCEEDED: SUCCEEDED\nFAILED: FAILED', enum_type=ImportStatus, max_length=16)),
                ('dry_run', fields.BooleanField(default=False)),
                ('source_system', fields.CharField(max_length=64)),
                ('file_name', fields.CharField(max_length=255)),
                ('rows_read', fields.IntField(default=0)),
                ('rows_added', fields.IntField(default=0)),
                ('rows_present', fields.IntField(default=0, description='already in the database, unchanged')),
                ('rows_refused', fields.IntField(default=0)),
                ('error_report', fields.TextField(default='', unique=False)),
                ('failure', fields.CharField(default='', max_length=500)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='import_jobs', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'import_job', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One run over one file. The registry rows it adds are not linked to it: a rerun of the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ImportedHours',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='imported_hours', on_delete=OnDelete.RESTRICT)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='imported_hours', on_delete=OnDelete.SET_NULL)),
                ('source_system', fields.CharField(max_length=64)),
                ('source_record', fields.CharField(max_length=64)),
                ('file_name', fields.CharField(max_length=255)),
                ('row_number', fields.IntField()),
                ('served_on', fields.DateField()),
                ('hours', fields.DecimalField(default=Decimal('0'), max_digits=6, decimal_places=2)),
                ('description', fields.CharField(default='', max_length=200)),
                ('imported_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'imported_hours', 'app': 'models', 'unique_together': (('source_system', 'source_record'),), 'indexes': [Index(fields=['volunteer_id', 'served_on'])], 'pk_attr': 'id', 'table_description': "Confirmed service hours from an earlier system. Keyed by (source system, that system's"},
            bases=['Model'],
        ),
    ]
