from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0012_timebank_orders')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='ServiceRecord',
            index=Index(fields=['status', 'volunteer_id', 'ended_at', 'hours']),
        ),
    ]
