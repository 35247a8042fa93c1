from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0008_rewards')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ApiClient',
            name='cost_budget',
            field=fields.IntField(null=True),
        ),
    ]
