from tortoise import migrations
from tortoise.migrations import operations as ops
from decimal import Decimal
from models.organizations import MembershipRole, MembershipStatus, OrganizationCategory
from models.volunteers import Gender, VolunteerStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='ApiClient',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=128)),
                ('key_prefix', fields.CharField(unique=True, max_length=16)),
                ('key_hash', fields.CharField(max_length=128)),
                ('scopes', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('enabled', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'api_client', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='District',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=64)),
                ('name_en', fields.CharField(max_length=64)),
                ('population', fields.IntField()),
                ('center_lat', fields.FloatField()),
                ('center_lng', fields.FloatField()),
            ],
            options={'table': 'district', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Community',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('district', fields.ForeignKeyField('models.District', source_field='district_id', db_constraint=True, to_field='id', related_name='communities', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=64)),
                ('population', fields.IntField()),
                ('center_lat', fields.FloatField()),
                ('center_lng', fields.FloatField()),
            ],
            options={'table': 'community', 'app': 'models', 'unique_together': (('district', 'name'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('password_hash', fields.CharField(max_length=255)),
                ('display_name', fields.CharField(max_length=64)),
                ('roles', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('is_active', fields.BooleanField(default=True)),
                ('token_version', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'app_user', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Organization',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=128)),
                ('category', fields.CharEnumField(db_index=True, description='PARTY_MEMBER: PARTY_MEMBER\nCOMMUNITY: COMMUNITY\nPUBLIC_SAFETY: PUBLIC_SAFETY\nCULTURE: CULTURE\nSCIENCE_POPULARISATION: SCIENCE_POPULARISATION\nPUBLIC_HEALTH: PUBLIC_HEALTH\nNEIGHBOURHOOD_WATCH: NEIGHBOURHOOD_WATCH\nCIVILISED_TRAFFIC: CIVILISED_TRAFFIC\nENVIRONMENTAL: ENVIRONMENTAL\nELDERLY_CARE: ELDERLY_CARE\nYOUTH_AND_CHILDREN: YOUTH_AND_CHILDREN\nDISABILITY_SUPPORT: DISABILITY_SUPPORT\nPOVERTY_RELIEF: POVERTY_RELIEF\nEMERGENCY_RESCUE: EMERGENCY_RESCUE\nEDUCATION: EDUCATION\nLEGAL_AID: LEGAL_AID\nLARGE_EVENTS: LARGE_EVENTS\nCIVIC_SUPERVISION: CIVIC_SUPERVISION', enum_type=OrganizationCategory, max_length=32)),
                ('district', fields.ForeignKeyField('models.District', source_field='district_id', db_constraint=True, to_field='id', related_name='organizations', on_delete=OnDelete.RESTRICT)),
                ('verified', fields.BooleanField(default=False)),
                ('description', fields.TextField(default='', unique=False)),
                ('contact_name', fields.CharField(default='', max_length=64)),
                ('contact_phone', fields.CharField(default='', max_length=20)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='created_organizations', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'organization', 'app': 'models', 'indexes': [Index(fields=['district_id', 'category'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Volunteer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='volunteer', on_delete=OnDelete.SET_NULL)),
                ('real_name', fields.CharField(db_index=True, max_length=64)),
                ('phone', fields.CharField(max_length=20)),
                ('id_number', fields.CharField(max_length=18)),
                ('id_number_hash', fields.CharField(unique=True, max_length=64)),
                ('gender', fields.CharEnumField(default=Gender.UNSPECIFIED, description='FEMALE: FEMALE\nMALE: MALE\nUNSPECIFIED: UNSPECIFIED', enum_type=Gender, max_length=16)),
                ('birth_date', fields.DateField(null=True)),
                ('district', fields.ForeignKeyField('models.District', source_field='district_id', db_constraint=True, to_field='id', related_name='volunteers', on_delete=OnDelete.RESTRICT)),
                ('community', fields.ForeignKeyField('models.Community', source_field='community_id', null=True, db_constraint=True, to_field='id', related_name='volunteers', on_delete=OnDelete.SET_NULL)),
                ('home_lat', fields.FloatField(null=True)),
                ('home_lng', fields.FloatField(null=True)),
                ('skills', fields.CharField(default='', description='packed Skill values', max_length=512)),
                ('availability', fields.CharField(default='', description='packed slots', max_length=256)),
                ('registered_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('status', fields.CharEnumField(default=VolunteerStatus.ACTIVE, description='ACTIVE: ACTIVE\nSUSPENDED: SUSPENDED\nLEFT: LEFT', enum_type=VolunteerStatus, max_length=16)),
                ('total_hours', fields.DecimalField(default=Decimal('0'), max_digits=10, decimal_places=2)),
            ],
            options={'table': 'volunteer', 'app': 'models', 'indexes': [Index(fields=['district_id', 'community_id']), Index(fields=['total_hours'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Membership',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(default=MembershipRole.MEMBER, description='MEMBER: MEMBER\nADMIN: ADMIN', enum_type=MembershipRole, max_length=16)),
                ('status', fields.CharEnumField(default=MembershipStatus.PENDING, description='PENDING: PENDING\nAPPROVED: APPROVED\nREJECTED: REJECTED', enum_type=MembershipStatus, max_length=16)),
                ('message', fields.CharField(default='', max_length=500)),
                ('applied_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_by', fields.ForeignKeyField('models.User', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='decided_memberships', on_delete=OnDelete.SET_NULL)),
                ('decision_note', fields.CharField(default='', max_length=500)),
            ],
            options={'table': 'membership', 'app': 'models', 'unique_together': (('volunteer', 'organization'),), 'indexes': [Index(fields=['organization_id', 'status'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
