from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0017_certificates_volunteer_numbers')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Community',
            name='division_code',
            field=fields.CharField(null=True, max_length=12),
        ),
        ops.AddField(
            model_name='District',
            name='boundary',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='District',
            name='division_code',
            field=fields.CharField(null=True, max_length=12),
        ),
    ]
