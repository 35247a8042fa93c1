from tortoise import migrations
from tortoise.migrations import operations as ops
from models.certificates import CertificateStatus
from models.volunteers import new_volunteer_number
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index


async def number_volunteers(apps, schema_editor):
    """Gives every volunteer registered before numbers existed one, the way registration does:
    random, so that it says nothing of the ID number or of the order of registration."""
    client = schema_editor.client
    rows = await client.execute_query_dict(
        'SELECT "id" FROM "volunteer" WHERE "volunteer_number" IS NULL'
    )
    taken = set()
    values = []
    for row in rows:
        number = new_volunteer_number()
        while number in taken:
            number = new_volunteer_number()
        taken.add(number)
        values.append([number, row["id"]])
    if not values:
        return
    first, second = ("?", "?") if client.capabilities.dialect == "sqlite" else ("$1", "$2")
    sql = f'UPDATE "volunteer" SET "volunteer_number" = {first} WHERE "id" = {second}'
    for start in range(0, len(values), 5000):
        await client.execute_many(sql, values[start : start + 5000])

class Migration(migrations.Migration):
    dependencies = [('models', '0016_activities')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Certificate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='certificates', on_delete=OnDelete.RESTRICT)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='certificates', on_delete=OnDelete.RESTRICT)),
                ('period_start', fields.DateField()),
                ('period_end', fields.DateField()),
                ('status', fields.CharEnumField(default=CertificateStatus.REQUESTED, description='REQUESTED: REQUESTED\nISSUED: ISSUED\nREVOKED: REVOKED', enum_type=CertificateStatus, max_length=16)),
                ('requested_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('number', fields.CharField(null=True, unique=True, max_length=32)),
                ('verification_code', fields.CharField(null=True, unique=True, max_length=16)),
                ('issued_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('issued_by', fields.ForeignKeyField('models.User', source_field='issued_by_id', null=True, db_constraint=True, to_field='id', related_name='issued_certificates', on_delete=OnDelete.SET_NULL)),
                ('on_behalf', fields.BooleanField(default=False)),
                ('volunteer_name', fields.CharField(default='', max_length=64)),
                ('id_type', fields.CharField(default='', max_length=32)),
                ('id_number_masked', fields.CharField(default='', max_length=32)),
                ('volunteer_number', fields.CharField(default='', max_length=24)),
                ('hours', fields.DecimalField(null=True, max_digits=10, decimal_places=2)),
                ('services', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('organization_name', fields.CharField(default='', max_length=128)),
                ('person_in_charge', fields.CharField(default='', max_length=64)),
                ('handler', fields.CharField(default='', max_length=64)),
                ('contact', fields.CharField(default='', max_length=64)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_by', fields.ForeignKeyField('models.User', source_field='revoked_by_id', null=True, db_constraint=True, to_field='id', related_name='revoked_certificates', on_delete=OnDelete.SET_NULL)),
                ('revocation_reason', fields.CharField(default='', max_length=500)),
            ],
            options={'table': 'certificate', 'app': 'models', 'indexes': [Index(fields=['volunteer_id', 'id']), Index(fields=['organization_id', 'status', 'id'])], 'pk_attr': 'id', 'table_description': 'A request until issued. From issue on, every field describing the volunteer, the service'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Volunteer',
            name='volunteer_number',
            field=fields.CharField(null=True, default=new_volunteer_number, unique=True, max_length=24),
        ),
        ops.RunPython(number_volunteers, reverse_code=None),
    ]
