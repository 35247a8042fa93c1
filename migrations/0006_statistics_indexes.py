from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_timebank_ledger')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='ServiceOrder',
            index=Index(fields=['created_at', 'district_id', 'status']),
        ),
        ops.AddIndex(
            model_name='ServiceOrder',
            index=Index(fields=['rated_at', 'district_id', 'rating']),
        ),
        ops.AddIndex(
            model_name='ServiceRecord',
            index=Index(fields=['status', 'ended_at', 'volunteer_id', 'hours']),
        ),
        ops.AddIndex(
            model_name='Volunteer',
            index=Index(fields=['status', 'district_id', 'registered_at']),
        ),
    ]
