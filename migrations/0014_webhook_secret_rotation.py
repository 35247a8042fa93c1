from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0013_statistics_participation')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Webhook',
            name='previous_secret',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AddField(
            model_name='Webhook',
            name='previous_secret_expires_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
