from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_rate_limits')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='ServiceRecord',
            index=Index(fields=['status', 'decided_at', 'id']),
        ),
        ops.AddField(
            model_name='Volunteer',
            name='updated_at',
            field=fields.DatetimeField(null=True, auto_now=True, auto_now_add=False),
        ),
        # Rows registered before the column existed last changed, as far as we know, when
        # they registered (and in the format the ORM writes, which keyset reads compare).
        ops.RunSQL(
            'UPDATE "volunteer" SET "updated_at" = "registered_at"',
            reverse_sql=ops.RunSQL.noop,
        ),
        ops.AddIndex(
            model_name='Volunteer',
            index=Index(fields=['updated_at', 'id']),
        ),
    ]
