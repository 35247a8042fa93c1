from tortoise import migrations
from tortoise.migrations import operations as ops
from models.notifications import NotificationChannel, SendStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0018_division_codes_and_boundaries')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', null=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=48)),
                ('title', fields.CharField(max_length=120)),
                ('body', fields.CharField(max_length=500)),
                ('object_type', fields.CharField(default='', max_length=48)),
                ('object_id', fields.BigIntField(null=True)),
                ('urgent', fields.BooleanField(default=False)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notification', 'app': 'models', 'unique_together': (('event', 'user'),), 'indexes': [Index(fields=['user_id', 'read_at', 'id'])], 'pk_attr': 'id', 'table_description': 'One inbox entry: what one event means to one user.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NotificationCursor',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=32)),
                ('cursor', fields.BigIntField(default=0)),
                ('lease_owner', fields.CharField(null=True, max_length=64)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notification_cursor', 'app': 'models', 'pk_attr': 'id', 'table_description': 'How far the notification worker has read the event log: one row, leased by the process'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NotificationDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('notification', fields.ForeignKeyField('models.Notification', source_field='notification_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('event_id', fields.BigIntField(null=True)),
                ('user_id', fields.IntField()),
                ('channel', fields.CharEnumField(description='INBOX: INBOX\nEMAIL: EMAIL\nSMS: SMS', enum_type=NotificationChannel, max_length=8)),
                ('address', fields.CharField(max_length=254)),
                ('status', fields.CharEnumField(default=SendStatus.PENDING, description='PENDING: PENDING\nSENT: SENT\nFAILED: FAILED\nDIGESTED: DIGESTED', enum_type=SendStatus, max_length=12)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('lease_owner', fields.CharField(null=True, max_length=64)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(default='', max_length=300)),
                ('attempt_log', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('digest_of', fields.BigIntField(null=True)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'notification_delivery', 'app': 'models', 'unique_together': (('event_id', 'user_id', 'channel'),), 'indexes': [Index(fields=['status', 'next_attempt_at']), Index(fields=['user_id', 'channel', 'status', 'sent_at'])], 'pk_attr': 'id', 'table_description': 'One notification sent (or to be sent) on one channel beyond the inbox: the delivery log.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NotificationPreference',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='notification_preferences', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharEnumField(description='INBOX: INBOX\nEMAIL: EMAIL\nSMS: SMS', enum_type=NotificationChannel, max_length=8)),
                ('enabled', fields.BooleanField(default=True)),
                ('address', fields.CharField(default='', max_length=254)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'notification_preference', 'app': 'models', 'unique_together': (('user', 'channel'),), 'pk_attr': 'id', 'table_description': 'Whether a user wants a channel, and where to: an e-mail address, or a mobile number'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NotificationReminder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=48)),
                ('object_id', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'notification_reminder', 'app': 'models', 'unique_together': (('kind', 'object_id'),), 'pk_attr': 'id', 'table_description': 'A reminder that was logged (e.g. a benefit code about to expire): unique per kind and'},
            bases=['Model'],
        ),
    ]
