from tortoise import migrations
from tortoise.migrations import operations as ops
from decimal import Decimal
from models.timebank import AccountKind, TransferKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_stations')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TimeAccount',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='VOLUNTEER: VOLUNTEER\nCOMMUNITY_POOL: COMMUNITY_POOL\nBANK: BANK', enum_type=AccountKind, max_length=16)),
                ('owner_key', fields.CharField(unique=True, max_length=32)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', null=True, db_constraint=True, to_field='id', related_name='time_accounts', on_delete=OnDelete.RESTRICT)),
                ('community', fields.ForeignKeyField('models.Community', source_field='community_id', null=True, db_constraint=True, to_field='id', related_name='time_accounts', on_delete=OnDelete.RESTRICT)),
                ('balance', fields.DecimalField(default=Decimal('0'), max_digits=14, decimal_places=2)),
                ('floor', fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ('cap', fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'time_account', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One account per volunteer, per community pool, and the one bank account.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Transfer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='DEPOSIT: DEPOSIT\nWITHDRAWAL: WITHDRAWAL\nTRANSFER: TRANSFER\nDONATION: DONATION\nREFUND: REFUND', enum_type=TransferKind, max_length=16)),
                ('idempotency_key', fields.CharField(unique=True, max_length=160)),
                ('request_hash', fields.CharField(max_length=64)),
                ('amount', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('memo', fields.CharField(default='', max_length=200)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='time_transfers', on_delete=OnDelete.SET_NULL)),
                ('service_record', fields.OneToOneField('models.ServiceRecord', source_field='service_record_id', null=True, db_constraint=True, to_field='id', related_name='time_deposit', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'time_transfer', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One movement of credits between two accounts, written once and never changed.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Movement',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('transfer', fields.ForeignKeyField('models.Transfer', source_field='transfer_id', db_constraint=True, to_field='id', related_name='movements', on_delete=OnDelete.RESTRICT)),
                ('account', fields.ForeignKeyField('models.TimeAccount', source_field='account_id', db_constraint=True, to_field='id', related_name='movements', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'time_movement', 'app': 'models', 'indexes': [Index(fields=['account_id', 'created_at', 'id'])], 'pk_attr': 'id', 'table_description': 'One side of a transfer: signed amount on one account. Never updated or deleted.'},
            bases=['Model'],
        ),
    ]
