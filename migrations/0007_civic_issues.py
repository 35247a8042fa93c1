from tortoise import migrations
from tortoise.migrations import operations as ops
from models.civic import CivicAction, CivicSource, CivicStatus, PhotoPhase
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_statistics_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CivicCategory',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name_zh', fields.CharField(max_length=64)),
                ('name_en', fields.CharField(max_length=64)),
                ('description', fields.CharField(default='', max_length=500)),
                ('group_name', fields.CharField(default='', max_length=64)),
                ('department', fields.CharField(max_length=128)),
                ('deadline_hours', fields.IntField()),
                ('active', fields.BooleanField(default=True)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'civic_category', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The configurable catalogue: what can be reported, and who fixes it how fast.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CivicIssue',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token', fields.CharField(unique=True, max_length=24)),
                ('reporter', fields.ForeignKeyField('models.User', source_field='reporter_id', null=True, db_constraint=True, to_field='id', related_name='civic_issues', on_delete=OnDelete.SET_NULL)),
                ('anonymous', fields.BooleanField(default=False)),
                ('contact_name', fields.CharField(default='', max_length=64)),
                ('contact_phone', fields.CharField(default='', max_length=20)),
                ('contact_email', fields.CharField(default='', max_length=254)),
                ('source', fields.CharEnumField(default=CivicSource.APP, description='APP: APP\nOPEN311: OPEN311\nPHONE: PHONE', enum_type=CivicSource, max_length=16)),
                ('api_client', fields.ForeignKeyField('models.ApiClient', source_field='api_client_id', null=True, db_constraint=True, to_field='id', related_name='civic_issues', on_delete=OnDelete.SET_NULL)),
                ('category', fields.ForeignKeyField('models.CivicCategory', source_field='category_id', db_constraint=True, to_field='id', related_name='issues', on_delete=OnDelete.RESTRICT)),
                ('description', fields.TextField(unique=False)),
                ('lat', fields.FloatField()),
                ('lng', fields.FloatField()),
                ('address', fields.CharField(max_length=256)),
                ('district', fields.ForeignKeyField('models.District', source_field='district_id', db_constraint=True, to_field='id', related_name='civic_issues', on_delete=OnDelete.RESTRICT)),
                ('community', fields.ForeignKeyField('models.Community', source_field='community_id', null=True, db_constraint=True, to_field='id', related_name='civic_issues', on_delete=OnDelete.SET_NULL)),
                ('dispatch_center', fields.ForeignKeyField('models.DispatchCenter', source_field='dispatch_center_id', db_constraint=True, to_field='id', related_name='civic_issues', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(default=CivicStatus.REPORTED, description='REPORTED: REPORTED\nFILED: FILED\nNOT_FILED: NOT_FILED\nDUPLICATE: DUPLICATE\nDISPATCHED: DISPATCHED\nRECTIFYING: RECTIFYING\nRECTIFIED: RECTIFIED\nVERIFIED: VERIFIED\nCLOSED_UNRESOLVED: CLOSED_UNRESOLVED', enum_type=CivicStatus, max_length=20)),
                ('status_note', fields.CharField(default='', max_length=500)),
                ('department', fields.CharField(default='', max_length=128)),
                ('deadline', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('duplicate_of', fields.ForeignKeyField('models.CivicIssue', source_field='duplicate_of_id', null=True, db_constraint=True, to_field='id', related_name='duplicates', on_delete=OnDelete.SET_NULL)),
                ('credited_volunteer', fields.ForeignKeyField('models.Volunteer', source_field='credited_volunteer_id', null=True, db_constraint=True, to_field='id', related_name='credited_civic_issues', on_delete=OnDelete.SET_NULL)),
                ('reported_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('filed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('rectified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('rectify_seconds', fields.IntField(null=True)),
                ('verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reopen_count', fields.IntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'civic_issue', 'app': 'models', 'indexes': [Index(fields=['district_id', 'id']), Index(fields=['category_id', 'id']), Index(fields=['status', 'id']), Index(fields=['reporter_id', 'id']), Index(fields=['dispatch_center_id', 'id']), Index(fields=['reported_at', 'district_id', 'category_id']), Index(fields=['category_id', 'lat', 'lng']), Index(fields=['credited_volunteer_id']), Index(fields=['duplicate_of_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CivicIssueTransition',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('issue', fields.ForeignKeyField('models.CivicIssue', source_field='issue_id', db_constraint=True, to_field='id', related_name='transitions', on_delete=OnDelete.CASCADE)),
                ('action', fields.CharEnumField(description='REPORT: REPORT\nFILE: FILE\nREJECT: REJECT\nMARK_DUPLICATE: MARK_DUPLICATE\nDISPATCH: DISPATCH\nSTART_RECTIFICATION: START_RECTIFICATION\nRECTIFY: RECTIFY\nVERIFY: VERIFY\nREOPEN: REOPEN\nCLOSE_UNRESOLVED: CLOSE_UNRESOLVED\nADD_PHOTOS: ADD_PHOTOS', enum_type=CivicAction, max_length=24)),
                ('from_status', fields.CharEnumField(null=True, description='REPORTED: REPORTED\nFILED: FILED\nNOT_FILED: NOT_FILED\nDUPLICATE: DUPLICATE\nDISPATCHED: DISPATCHED\nRECTIFYING: RECTIFYING\nRECTIFIED: RECTIFIED\nVERIFIED: VERIFIED\nCLOSED_UNRESOLVED: CLOSED_UNRESOLVED', enum_type=CivicStatus, max_length=20)),
                ('to_status', fields.CharEnumField(description='REPORTED: REPORTED\nFILED: FILED\nNOT_FILED: NOT_FILED\nDUPLICATE: DUPLICATE\nDISPATCHED: DISPATCHED\nRECTIFYING: RECTIFYING\nRECTIFIED: RECTIFIED\nVERIFIED: VERIFIED\nCLOSED_UNRESOLVED: CLOSED_UNRESOLVED', enum_type=CivicStatus, max_length=20)),
                ('actor', fields.ForeignKeyField('models.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='civic_transitions', on_delete=OnDelete.SET_NULL)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('note', fields.CharField(default='', max_length=500)),
            ],
            options={'table': 'civic_issue_transition', 'app': 'models', 'indexes': [Index(fields=['issue_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CivicPhoto',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('issue', fields.ForeignKeyField('models.CivicIssue', source_field='issue_id', db_constraint=True, to_field='id', related_name='photos', on_delete=OnDelete.CASCADE)),
                ('phase', fields.CharEnumField(description='REPORT: REPORT\nUPDATE: UPDATE\nAFTER: AFTER', enum_type=PhotoPhase, max_length=16)),
                ('storage_key', fields.CharField(unique=True, max_length=200)),
                ('thumbnail_key', fields.CharField(max_length=200)),
                ('content_type', fields.CharField(max_length=32)),
                ('width', fields.IntField()),
                ('height', fields.IntField()),
                ('size', fields.IntField()),
                ('sha256', fields.CharField(max_length=64)),
                ('uploader', fields.ForeignKeyField('models.User', source_field='uploader_id', null=True, db_constraint=True, to_field='id', related_name='civic_photos', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'civic_photo', 'app': 'models', 'indexes': [Index(fields=['issue_id', 'id'])], 'pk_attr': 'id', 'table_description': 'An uploaded photo, re-encoded without metadata, and its thumbnail, in media storage.'},
            bases=['Model'],
        ),
    ]
