from tortoise import migrations
from tortoise.migrations import operations as ops
from models.rewards import BenefitCategory, BenefitDelivery, CardStatus, ProviderKind, RedemptionStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_civic_issues')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BenefitProvider',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=128)),
                ('kind', fields.CharEnumField(description='HOSPITAL: HOSPITAL\nGOVERNMENT_AGENCY: GOVERNMENT_AGENCY\nEMPLOYER: EMPLOYER\nSCHOOL: SCHOOL\nPUBLIC_VENUE: PUBLIC_VENUE\nTRANSPORT: TRANSPORT\nINSURER: INSURER\nBANK: BANK\nMERCHANT: MERCHANT\nORGANIZATION: ORGANIZATION', enum_type=ProviderKind, max_length=24)),
                ('district', fields.ForeignKeyField('models.District', source_field='district_id', null=True, db_constraint=True, to_field='id', related_name='benefit_providers', on_delete=OnDelete.RESTRICT)),
                ('address', fields.CharField(default='', max_length=200)),
                ('contact_phone', fields.CharField(default='', max_length=20)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'benefit_provider', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Who grants a benefit: a hospital, an agency, a school, a merchant, an insurer.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Benefit',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=48)),
                ('name', fields.CharField(max_length=128)),
                ('description', fields.TextField(default='', unique=False)),
                ('basis', fields.TextField(default='', unique=False)),
                ('category', fields.CharEnumField(description='MEDICAL: MEDICAL\nEMPLOYMENT: EMPLOYMENT\nEDUCATION: EDUCATION\nRESIDENCE: RESIDENCE\nPUBLIC_SERVICE: PUBLIC_SERVICE\nINSURANCE: INSURANCE\nFINANCE: FINANCE\nTOURISM: TOURISM\nCOMMERCE: COMMERCE\nHONOUR: HONOUR', enum_type=BenefitCategory, max_length=24)),
                ('delivery', fields.CharEnumField(default=BenefitDelivery.CODE, description='CODE: CODE\nSERVICE_CARD: SERVICE_CARD\nAUTOMATIC: AUTOMATIC', enum_type=BenefitDelivery, max_length=16)),
                ('provider', fields.ForeignKeyField('models.BenefitProvider', source_field='provider_id', db_constraint=True, to_field='id', related_name='benefits', on_delete=OnDelete.RESTRICT)),
                ('min_star_level', fields.SmallIntField(default=0)),
                ('min_recent_hours', fields.DecimalField(null=True, max_digits=8, decimal_places=2)),
                ('valid_from', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('valid_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('stock', fields.IntField(null=True)),
                ('redeemed', fields.IntField(default=0)),
                ('per_volunteer_limit', fields.IntField(null=True)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'benefit', 'app': 'models', 'indexes': [Index(fields=['provider_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One preferential treatment of the scheme, with who may have it and how much of it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CardCheck',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='card_checks', on_delete=OnDelete.CASCADE)),
                ('number', fields.CharField(max_length=16)),
                ('found', fields.BooleanField()),
                ('checked_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'card_check', 'app': 'models', 'indexes': [Index(fields=['user_id', 'checked_at'])], 'pk_attr': 'id', 'table_description': 'One `verifyServiceCard` look-up: who asked about which number, for the audit trail and'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Commendation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='commendations', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=128)),
                ('citation', fields.CharField(default='', max_length=500)),
                ('awarded_on', fields.DateField()),
                ('issuer', fields.CharField(max_length=128)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='commendations', on_delete=OnDelete.SET_NULL)),
                ('issued_by', fields.ForeignKeyField('models.User', source_field='issued_by_id', null=True, db_constraint=True, to_field='id', related_name='issued_commendations', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'commendation', 'app': 'models', 'indexes': [Index(fields=['volunteer_id', 'awarded_on'])], 'pk_attr': 'id', 'table_description': 'A commendation (嘉许) of a volunteer, by the city or by one of their organisations.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InsurancePolicy',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('policy_number', fields.CharField(unique=True, max_length=64)),
                ('insurer', fields.CharField(max_length=128)),
                ('coverage', fields.CharField(max_length=500)),
                ('sum_insured', fields.DecimalField(null=True, max_digits=12, decimal_places=2)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField()),
                ('recorded_by', fields.ForeignKeyField('models.User', source_field='recorded_by_id', null=True, db_constraint=True, to_field='id', related_name='recorded_policies', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'insurance_policy', 'app': 'models', 'pk_attr': 'id', 'table_description': "A group accident policy the city buys for volunteers (e.g. 2016's for 市直 volunteers)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InsuranceCoverage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('policy', fields.ForeignKeyField('models.InsurancePolicy', source_field='policy_id', db_constraint=True, to_field='id', related_name='coverages', on_delete=OnDelete.RESTRICT)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='insurance', on_delete=OnDelete.RESTRICT)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'insurance_coverage', 'app': 'models', 'unique_together': (('policy', 'volunteer'),), 'indexes': [Index(fields=['volunteer_id', 'starts_on'])], 'pk_attr': 'id', 'table_description': "One volunteer insured under a policy, for a period inside the policy's."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProviderStaff',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.ForeignKeyField('models.BenefitProvider', source_field='provider_id', db_constraint=True, to_field='id', related_name='staff', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='provider_links', on_delete=OnDelete.CASCADE)),
                ('added_by', fields.ForeignKeyField('models.User', source_field='added_by_id', null=True, db_constraint=True, to_field='id', related_name='added_provider_staff', on_delete=OnDelete.SET_NULL)),
                ('added_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'provider_staff', 'app': 'models', 'unique_together': (('provider', 'user'),), 'indexes': [Index(fields=['user_id', 'provider_id'])], 'pk_attr': 'id', 'table_description': "A provider account: a user who may verify (and mark used) the provider's redemptions"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Redemption',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('benefit', fields.ForeignKeyField('models.Benefit', source_field='benefit_id', db_constraint=True, to_field='id', related_name='redemptions', on_delete=OnDelete.RESTRICT)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='redemptions', on_delete=OnDelete.RESTRICT)),
                ('code', fields.CharField(unique=True, max_length=16)),
                ('status', fields.CharEnumField(default=RedemptionStatus.ISSUED, description='ISSUED: ISSUED\nUSED: USED', enum_type=RedemptionStatus, max_length=8)),
                ('idempotency_key', fields.CharField(unique=True, max_length=160)),
                ('request_hash', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('verified_by', fields.ForeignKeyField('models.User', source_field='verified_by_id', null=True, db_constraint=True, to_field='id', related_name='verified_redemptions', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'redemption', 'app': 'models', 'indexes': [Index(fields=['volunteer_id', 'benefit_id'])], 'pk_attr': 'id', 'table_description': 'A benefit taken by a volunteer: a one-time code the provider verifies once.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServiceCard',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=16)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='service_cards', on_delete=OnDelete.RESTRICT)),
                ('live_holder', fields.IntField(null=True, unique=True)),
                ('status', fields.CharEnumField(default=CardStatus.ISSUED, description='ISSUED: ISSUED\nACTIVE: ACTIVE\nFROZEN: FROZEN\nLOST: LOST\nREPLACED: REPLACED', enum_type=CardStatus, max_length=12)),
                ('replaces', fields.ForeignKeyField('models.ServiceCard', source_field='replaces_id', null=True, db_constraint=True, to_field='id', related_name='replaced_by', on_delete=OnDelete.RESTRICT)),
                ('issued_by', fields.ForeignKeyField('models.User', source_field='issued_by_id', null=True, db_constraint=True, to_field='id', related_name='issued_cards', on_delete=OnDelete.SET_NULL)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status_changed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status_note', fields.CharField(default='', max_length=200)),
            ],
            options={'table': 'service_card', 'app': 'models', 'indexes': [Index(fields=['volunteer_id', 'id'])], 'pk_attr': 'id', 'table_description': 'The networked volunteer service card (惠州志愿服务卡) that merchants honour.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StarLevelAchievement',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='star_levels', on_delete=OnDelete.CASCADE)),
                ('level', fields.SmallIntField()),
                ('reached_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('hours_at_reach', fields.DecimalField(max_digits=10, decimal_places=2)),
                ('service_record', fields.ForeignKeyField('models.ServiceRecord', source_field='service_record_id', null=True, db_constraint=True, to_field='id', related_name='star_levels', on_delete=OnDelete.SET_NULL)),
                ('backfilled', fields.BooleanField(default=False)),
                ('lost_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'star_level_achievement', 'app': 'models', 'unique_together': (('volunteer', 'level'),), 'pk_attr': 'id', 'table_description': "The first time a volunteer's confirmed hours reached a star level. Kept when hours later"},
            bases=['Model'],
        ),
    ]
