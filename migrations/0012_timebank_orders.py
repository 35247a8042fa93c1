from tortoise import migrations
from tortoise.migrations import operations as ops
from models.timebank import FamilyLinkStatus, FamilyRelation
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0011_webhooks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FamilyMember',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('holder', fields.ForeignKeyField('models.Volunteer', source_field='holder_id', db_constraint=True, to_field='id', related_name='family_members', on_delete=OnDelete.CASCADE)),
                ('member_user', fields.ForeignKeyField('models.User', source_field='member_user_id', null=True, db_constraint=True, to_field='id', related_name='family_links', on_delete=OnDelete.CASCADE)),
                ('member_key', fields.CharField(max_length=80)),
                ('name', fields.CharField(max_length=64)),
                ('relation', fields.CharEnumField(description='SPOUSE: SPOUSE\nPARENT: PARENT\nCHILD: CHILD\nGRANDPARENT: GRANDPARENT\nGRANDCHILD: GRANDCHILD\nSIBLING: SIBLING\nOTHER_RELATIVE: OTHER_RELATIVE', enum_type=FamilyRelation, max_length=16)),
                ('status', fields.CharEnumField(description='PENDING: PENDING\nACTIVE: ACTIVE\nREMOVED: REMOVED', enum_type=FamilyLinkStatus, max_length=16)),
                ('address', fields.CharField(max_length=256)),
                ('lat', fields.FloatField()),
                ('lng', fields.FloatField()),
                ('district', fields.ForeignKeyField('models.District', source_field='district_id', db_constraint=True, to_field='id', related_name='time_family_members', on_delete=OnDelete.RESTRICT)),
                ('community', fields.ForeignKeyField('models.Community', source_field='community_id', null=True, db_constraint=True, to_field='id', related_name='time_family_members', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('confirmed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('removed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'time_family_member', 'app': 'models', 'unique_together': (('holder_id', 'member_key'),), 'indexes': [Index(fields=['member_user_id', 'status'])], 'pk_attr': 'id', 'table_description': 'A relative a volunteer registers with the bank: someone with their own sign-in, who'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrderPayment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.OneToOneField('models.ServiceOrder', source_field='order_id', db_constraint=True, to_field='id', related_name='time_payment', on_delete=OnDelete.RESTRICT)),
                ('account', fields.ForeignKeyField('models.TimeAccount', source_field='account_id', db_constraint=True, to_field='id', related_name='order_payments', on_delete=OnDelete.RESTRICT)),
                ('family_member', fields.ForeignKeyField('models.FamilyMember', source_field='family_member_id', null=True, db_constraint=True, to_field='id', related_name='order_payments', on_delete=OnDelete.RESTRICT)),
                ('hours', fields.DecimalField(max_digits=6, decimal_places=2)),
                ('withdrawal', fields.OneToOneField('models.Transfer', source_field='withdrawal_id', db_constraint=True, to_field='id', related_name='paid_order', on_delete=OnDelete.RESTRICT)),
                ('refund', fields.OneToOneField('models.Transfer', source_field='refund_id', null=True, db_constraint=True, to_field='id', related_name='refunded_order', on_delete=OnDelete.RESTRICT)),
                ('refunded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'time_order_payment', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A service order bought with credits: the withdrawal that paid for it and, once the order'},
            bases=['Model'],
        ),
    ]
