from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_dispatch_and_event_log')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='Volunteer',
            name=None,
            fields=['district_id', 'community_id'],
        ),
        ops.AddIndex(
            model_name='Volunteer',
            index=Index(fields=['district_id', 'id']),
        ),
        ops.AddIndex(
            model_name='Volunteer',
            index=Index(fields=['community_id', 'id']),
        ),
    ]
