from tortoise import migrations
from tortoise.migrations import operations as ops
from models.activities import ActivityKind, ActivityStatus, SessionStatus, SignUpMethod, SignUpStatus
from models.organizations import OrganizationCategory
from models.volunteers import Skill
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0015_password_reset_and_logout')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Activity',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='activities', on_delete=OnDelete.RESTRICT)),
                ('station', fields.ForeignKeyField('models.Station', source_field='station_id', null=True, db_constraint=True, to_field='id', related_name='activities', on_delete=OnDelete.SET_NULL)),
                ('district', fields.ForeignKeyField('models.District', source_field='district_id', db_constraint=True, to_field='id', related_name='activities', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharEnumField(default=ActivityKind.SERVICE, description='SERVICE: SERVICE\nTRAINING: TRAINING', enum_type=ActivityKind, max_length=16)),
                ('title', fields.CharField(max_length=128)),
                ('category', fields.CharEnumField(description='PARTY_MEMBER: PARTY_MEMBER\nCOMMUNITY: COMMUNITY\nPUBLIC_SAFETY: PUBLIC_SAFETY\nCULTURE: CULTURE\nSCIENCE_POPULARISATION: SCIENCE_POPULARISATION\nPUBLIC_HEALTH: PUBLIC_HEALTH\nNEIGHBOURHOOD_WATCH: NEIGHBOURHOOD_WATCH\nCIVILISED_TRAFFIC: CIVILISED_TRAFFIC\nENVIRONMENTAL: ENVIRONMENTAL\nELDERLY_CARE: ELDERLY_CARE\nYOUTH_AND_CHILDREN: YOUTH_AND_CHILDREN\nDISABILITY_SUPPORT: DISABILITY_SUPPORT\nPOVERTY_RELIEF: POVERTY_RELIEF\nEMERGENCY_RESCUE: EMERGENCY_RESCUE\nEDUCATION: EDUCATION\nLEGAL_AID: LEGAL_AID\nLARGE_EVENTS: LARGE_EVENTS\nCIVIC_SUPERVISION: CIVIC_SUPERVISION', enum_type=OrganizationCategory, max_length=32)),
                ('description', fields.TextField(default='', unique=False)),
                ('address', fields.CharField(max_length=256)),
                ('lat', fields.FloatField()),
                ('lng', fields.FloatField()),
                ('checkin_radius_m', fields.IntField(default=200)),
                ('min_age', fields.SmallIntField(default=0)),
                ('signup_deadline_minutes', fields.IntField(default=0)),
                ('signup_method', fields.CharEnumField(default=SignUpMethod.INSTANT, description='INSTANT: INSTANT\nAPPROVAL: APPROVAL', enum_type=SignUpMethod, max_length=16)),
                ('status', fields.CharEnumField(default=ActivityStatus.DRAFT, description='DRAFT: DRAFT\nPENDING_APPROVAL: PENDING_APPROVAL\nPUBLISHED: PUBLISHED\nCLOSED: CLOSED\nCANCELLED: CANCELLED', enum_type=ActivityStatus, max_length=20)),
                ('recurrence', fields.CharField(default='', max_length=256)),
                ('grants_qualification', fields.CharEnumField(null=True, description='FIRST_AID: FIRST_AID\nELDERLY_CARE: ELDERLY_CARE\nCHILD_CARE: CHILD_CARE\nTUTORING: TUTORING\nMEDICAL: MEDICAL\nPSYCHOLOGICAL_SUPPORT: PSYCHOLOGICAL_SUPPORT\nLEGAL_AID: LEGAL_AID\nTRANSLATION: TRANSLATION\nSIGN_LANGUAGE: SIGN_LANGUAGE\nDRIVING: DRIVING\nHOME_REPAIR: HOME_REPAIR\nIT_SUPPORT: IT_SUPPORT\nTRAFFIC_GUIDANCE: TRAFFIC_GUIDANCE\nENVIRONMENTAL: ENVIRONMENTAL\nCULTURAL_PERFORMANCE: CULTURAL_PERFORMANCE\nEVENT_SUPPORT: EVENT_SUPPORT\nDISASTER_RELIEF: DISASTER_RELIEF\nCIVIC_SUPERVISION: CIVIC_SUPERVISION', enum_type=Skill, max_length=32)),
                ('qualification_valid_days', fields.IntField(default=0)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='created_activities', on_delete=OnDelete.SET_NULL)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('first_starts_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'activity', 'app': 'models', 'indexes': [Index(fields=['status', 'id']), Index(fields=['organization_id', 'id']), Index(fields=['district_id', 'status']), Index(fields=['lat', 'lng'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ActivityPosition',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('activity', fields.ForeignKeyField('models.Activity', source_field='activity_id', db_constraint=True, to_field='id', related_name='positions', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('quota', fields.IntField()),
                ('required_skills', fields.CharField(default='', description='packed Skill', max_length=512)),
                ('required_qualifications', fields.CharField(default='', max_length=512)),
            ],
            options={'table': 'activity_position', 'app': 'models', 'indexes': [Index(fields=['activity_id', 'id'])], 'pk_attr': 'id', 'table_description': 'A role on every session of the activity, with its quota per session.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ActivitySession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('activity', fields.ForeignKeyField('models.Activity', source_field='activity_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('lat', fields.FloatField()),
                ('lng', fields.FloatField()),
                ('checkin_radius_m', fields.IntField()),
                ('status', fields.CharEnumField(default=SessionStatus.SCHEDULED, description='SCHEDULED: SCHEDULED\nCANCELLED: CANCELLED', enum_type=SessionStatus, max_length=16)),
                ('openings', fields.IntField(default=0)),
            ],
            options={'table': 'activity_session', 'app': 'models', 'indexes': [Index(fields=['activity_id', 'starts_at']), Index(fields=['starts_at', 'activity_id', 'openings'])], 'pk_attr': 'id', 'table_description': 'One occurrence: a place and a time window (what attendance checks against).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CalendarToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('volunteer', fields.OneToOneField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='calendar_token', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'calendar_token', 'app': 'models', 'pk_attr': 'id', 'table_description': "The secret in a volunteer's private iCalendar feed URL."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Qualification',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='qualifications', on_delete=OnDelete.CASCADE)),
                ('skill', fields.CharEnumField(description='FIRST_AID: FIRST_AID\nELDERLY_CARE: ELDERLY_CARE\nCHILD_CARE: CHILD_CARE\nTUTORING: TUTORING\nMEDICAL: MEDICAL\nPSYCHOLOGICAL_SUPPORT: PSYCHOLOGICAL_SUPPORT\nLEGAL_AID: LEGAL_AID\nTRANSLATION: TRANSLATION\nSIGN_LANGUAGE: SIGN_LANGUAGE\nDRIVING: DRIVING\nHOME_REPAIR: HOME_REPAIR\nIT_SUPPORT: IT_SUPPORT\nTRAFFIC_GUIDANCE: TRAFFIC_GUIDANCE\nENVIRONMENTAL: ENVIRONMENTAL\nCULTURAL_PERFORMANCE: CULTURAL_PERFORMANCE\nEVENT_SUPPORT: EVENT_SUPPORT\nDISASTER_RELIEF: DISASTER_RELIEF\nCIVIC_SUPERVISION: CIVIC_SUPERVISION', enum_type=Skill, max_length=32)),
                ('granted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('activity', fields.ForeignKeyField('models.Activity', source_field='activity_id', null=True, db_constraint=True, to_field='id', related_name='qualifications', on_delete=OnDelete.SET_NULL)),
                ('granted_by', fields.ForeignKeyField('models.User', source_field='granted_by_id', null=True, db_constraint=True, to_field='id', related_name='granted_qualifications', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'qualification', 'app': 'models', 'indexes': [Index(fields=['volunteer_id', 'skill', 'expires_at'])], 'pk_attr': 'id', 'table_description': 'A skill certified by the training school, valid until `expires_at`.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SignUp',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('models.ActivitySession', source_field='session_id', db_constraint=True, to_field='id', related_name='sign_ups', on_delete=OnDelete.CASCADE)),
                ('position', fields.ForeignKeyField('models.ActivityPosition', source_field='position_id', db_constraint=True, to_field='id', related_name='sign_ups', on_delete=OnDelete.CASCADE)),
                ('activity', fields.ForeignKeyField('models.Activity', source_field='activity_id', db_constraint=True, to_field='id', related_name='sign_ups', on_delete=OnDelete.CASCADE)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='sign_ups', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(description='PENDING: PENDING\nCONFIRMED: CONFIRMED\nWAITLISTED: WAITLISTED\nCANCELLED: CANCELLED\nREJECTED: REJECTED\nREMOVED: REMOVED', enum_type=SignUpStatus, max_length=16)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('note', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('decided_by', fields.ForeignKeyField('models.User', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='decided_sign_ups', on_delete=OnDelete.SET_NULL)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('passed', fields.BooleanField(null=True)),
            ],
            options={'table': 'activity_sign_up', 'app': 'models', 'indexes': [Index(fields=['session_id', 'position_id', 'status']), Index(fields=['volunteer_id', 'status', 'starts_at']), Index(fields=['activity_id', 'status'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
