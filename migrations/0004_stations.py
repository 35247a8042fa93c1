from tortoise import migrations
from tortoise.migrations import operations as ops
from models.stations import StationKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_volunteer_list_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Station',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='GOOD_PERSON_STATION: GOOD_PERSON_STATION\nLEI_FENG_POST: LEI_FENG_POST\nSERVICE_POINT: SERVICE_POINT\nSPECIALIST_STUDIO: SPECIALIST_STUDIO\nCOMMUNITY_SERVICE_STATION: COMMUNITY_SERVICE_STATION\nDISPATCH_CENTER: DISPATCH_CENTER', enum_type=StationKind, max_length=32)),
                ('name', fields.CharField(unique=True, max_length=128)),
                ('address', fields.CharField(max_length=256)),
                ('lat', fields.FloatField()),
                ('lng', fields.FloatField()),
                ('district', fields.ForeignKeyField('models.District', source_field='district_id', db_constraint=True, to_field='id', related_name='stations', on_delete=OnDelete.RESTRICT)),
                ('community', fields.ForeignKeyField('models.Community', source_field='community_id', null=True, db_constraint=True, to_field='id', related_name='stations', on_delete=OnDelete.SET_NULL)),
                ('opening_hours', fields.CharField(default='', max_length=256)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='stations', on_delete=OnDelete.SET_NULL)),
                ('services', fields.CharField(default='', description='packed ServiceCategory', max_length=512)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'station', 'app': 'models', 'indexes': [Index(fields=['lat', 'lng']), Index(fields=['district_id', 'id']), Index(fields=['kind', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
