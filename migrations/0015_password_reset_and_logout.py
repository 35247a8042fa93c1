from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0014_webhook_secret_rotation')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RevokedSession',
            fields=[
                ('sid', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='revoked_sessions', on_delete=OnDelete.CASCADE)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'revoked_session', 'app': 'models', 'pk_attr': 'sid', 'table_description': "A sign-in ended by `logout`: its refresh tokens (all carry the session's `sid`) stop"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='User',
            name='must_change_password',
            field=fields.BooleanField(default=False),
        ),
    ]
