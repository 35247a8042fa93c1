from tortoise import migrations
from tortoise.migrations import operations as ops
from models.dispatch import AssignmentStatus, CenterLevel, OrderStatus, RecordStatus, ServiceCategory, Urgency
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DispatchCenter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=128)),
                ('level', fields.CharEnumField(description='CITY: CITY\nDISTRICT: DISTRICT\nSTREET: STREET', enum_type=CenterLevel, max_length=16)),
                ('parent', fields.ForeignKeyField('models.DispatchCenter', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.RESTRICT)),
                ('auto_assign', fields.BooleanField(default=False)),
                ('escalate_after_minutes', fields.IntField(default=30)),
            ],
            options={'table': 'dispatch_center', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CenterCoverage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('center', fields.ForeignKeyField('models.DispatchCenter', source_field='center_id', db_constraint=True, to_field='id', related_name='coverage', on_delete=OnDelete.CASCADE)),
                ('district', fields.ForeignKeyField('models.District', source_field='district_id', db_constraint=True, to_field='id', related_name='dispatch_coverage', on_delete=OnDelete.RESTRICT)),
                ('community', fields.ForeignKeyField('models.Community', source_field='community_id', null=True, db_constraint=True, to_field='id', related_name='dispatch_coverage', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'dispatch_coverage', 'app': 'models', 'indexes': [Index(fields=['district_id', 'community_id'])], 'pk_attr': 'id', 'table_description': 'A district (community null) or one community that a centre answers for. The city'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Event',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('type', fields.CharField(max_length=48)),
                ('topics', fields.CharField(max_length=512)),
                ('payload', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'event', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServiceOrder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('requester', fields.ForeignKeyField('models.User', source_field='requester_id', null=True, db_constraint=True, to_field='id', related_name='service_orders', on_delete=OnDelete.SET_NULL)),
                ('entered_by', fields.ForeignKeyField('models.User', source_field='entered_by_id', null=True, db_constraint=True, to_field='id', related_name='entered_orders', on_delete=OnDelete.SET_NULL)),
                ('caller_name', fields.CharField(default='', max_length=64)),
                ('caller_phone', fields.CharField(default='', max_length=20)),
                ('category', fields.CharEnumField(description='ELDERLY_CARE: ELDERLY_CARE\nCHILD_CARE: CHILD_CARE\nMEDICAL_ESCORT: MEDICAL_ESCORT\nHOME_REPAIR: HOME_REPAIR\nTUTORING: TUTORING\nCOMPANIONSHIP: COMPANIONSHIP\nERRANDS: ERRANDS\nLEGAL_AID: LEGAL_AID\nPSYCHOLOGICAL_SUPPORT: PSYCHOLOGICAL_SUPPORT\nTRANSLATION: TRANSLATION\nENVIRONMENTAL: ENVIRONMENTAL\nEVENT_SUPPORT: EVENT_SUPPORT\nOTHER: OTHER', enum_type=ServiceCategory, max_length=32)),
                ('description', fields.TextField(unique=False)),
                ('address', fields.CharField(max_length=256)),
                ('lat', fields.FloatField()),
                ('lng', fields.FloatField()),
                ('district', fields.ForeignKeyField('models.District', source_field='district_id', db_constraint=True, to_field='id', related_name='service_orders', on_delete=OnDelete.RESTRICT)),
                ('community', fields.ForeignKeyField('models.Community', source_field='community_id', null=True, db_constraint=True, to_field='id', related_name='service_orders', on_delete=OnDelete.SET_NULL)),
                ('window_start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('window_end', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('volunteers_needed', fields.IntField(default=1)),
                ('required_skills', fields.CharField(default='', description='packed Skill', max_length=512)),
                ('urgency', fields.CharEnumField(default=Urgency.NORMAL, description='LOW: LOW\nNORMAL: NORMAL\nHIGH: HIGH\nCRITICAL: CRITICAL', enum_type=Urgency, max_length=16)),
                ('status', fields.CharEnumField(default=OrderStatus.SUBMITTED, description='SUBMITTED: SUBMITTED\nASSIGNED: ASSIGNED\nACCEPTED: ACCEPTED\nIN_PROGRESS: IN_PROGRESS\nCOMPLETED: COMPLETED\nRATED: RATED\nCANCELLED: CANCELLED\nEXPIRED: EXPIRED', enum_type=OrderStatus, max_length=16)),
                ('dispatch_center', fields.ForeignKeyField('models.DispatchCenter', source_field='dispatch_center_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.RESTRICT)),
                ('routed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='service_orders', on_delete=OnDelete.SET_NULL)),
                ('rating', fields.SmallIntField(null=True)),
                ('rating_comment', fields.CharField(default='', max_length=500)),
                ('rated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'service_order', 'app': 'models', 'indexes': [Index(fields=['dispatch_center_id', 'status']), Index(fields=['status', 'routed_at']), Index(fields=['requester_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderAssignment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.ServiceOrder', source_field='order_id', db_constraint=True, to_field='id', related_name='assignments', on_delete=OnDelete.CASCADE)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', null=True, db_constraint=True, to_field='id', related_name='assignments', on_delete=OnDelete.RESTRICT)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='assignments', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(default=AssignmentStatus.ASSIGNED, description='ASSIGNED: ASSIGNED\nACCEPTED: ACCEPTED\nDECLINED: DECLINED\nCHECKED_IN: CHECKED_IN\nCHECKED_OUT: CHECKED_OUT\nCANCELLED: CANCELLED', enum_type=AssignmentStatus, max_length=16)),
                ('window_start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('window_end', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('assigned_by', fields.ForeignKeyField('models.User', source_field='assigned_by_id', null=True, db_constraint=True, to_field='id', related_name='made_assignments', on_delete=OnDelete.SET_NULL)),
                ('assigned_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('responded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('checked_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('checked_out_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'order_assignment', 'app': 'models', 'indexes': [Index(fields=['volunteer_id', 'status', 'window_start']), Index(fields=['order_id', 'status'])], 'pk_attr': 'id', 'table_description': 'One volunteer (or, until a member takes it, one organisation) serving an order.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderTransition',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('models.ServiceOrder', source_field='order_id', db_constraint=True, to_field='id', related_name='transitions', on_delete=OnDelete.CASCADE)),
                ('from_status', fields.CharEnumField(null=True, description='SUBMITTED: SUBMITTED\nASSIGNED: ASSIGNED\nACCEPTED: ACCEPTED\nIN_PROGRESS: IN_PROGRESS\nCOMPLETED: COMPLETED\nRATED: RATED\nCANCELLED: CANCELLED\nEXPIRED: EXPIRED', enum_type=OrderStatus, max_length=16)),
                ('to_status', fields.CharEnumField(description='SUBMITTED: SUBMITTED\nASSIGNED: ASSIGNED\nACCEPTED: ACCEPTED\nIN_PROGRESS: IN_PROGRESS\nCOMPLETED: COMPLETED\nRATED: RATED\nCANCELLED: CANCELLED\nEXPIRED: EXPIRED', enum_type=OrderStatus, max_length=16)),
                ('actor', fields.ForeignKeyField('models.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='order_transitions', on_delete=OnDelete.SET_NULL)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('note', fields.CharField(default='', max_length=500)),
            ],
            options={'table': 'order_transition', 'app': 'models', 'indexes': [Index(fields=['order_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServiceRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('assignment', fields.OneToOneField('models.OrderAssignment', source_field='assignment_id', db_constraint=True, to_field='id', related_name='record', on_delete=OnDelete.CASCADE)),
                ('order', fields.ForeignKeyField('models.ServiceOrder', source_field='order_id', db_constraint=True, to_field='id', related_name='records', on_delete=OnDelete.CASCADE)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='service_records', on_delete=OnDelete.RESTRICT)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('hours', fields.DecimalField(max_digits=6, decimal_places=2)),
                ('status', fields.CharEnumField(default=RecordStatus.PENDING, description='PENDING: PENDING\nCONFIRMED: CONFIRMED\nREJECTED: REJECTED', enum_type=RecordStatus, max_length=16)),
                ('correction_requested_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('correction_note', fields.CharField(default='', max_length=500)),
                ('correction_hours', fields.DecimalField(null=True, max_digits=6, decimal_places=2)),
                ('decided_by', fields.ForeignKeyField('models.User', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='decided_records', on_delete=OnDelete.SET_NULL)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decision_note', fields.CharField(default='', max_length=500)),
            ],
            options={'table': 'service_record', 'app': 'models', 'indexes': [Index(fields=['volunteer_id', 'status'])], 'pk_attr': 'id', 'table_description': 'Hours served, from check-in to check-out, which count once confirmed.'},
            bases=['Model'],
        ),
    ]
