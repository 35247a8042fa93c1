from tortoise import migrations
from tortoise.migrations import operations as ops
from models.certificates import CertificateStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0019_notifications')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Certificate',
            name='status',
            field=fields.CharEnumField(default=CertificateStatus.REQUESTED, description='REQUESTED: REQUESTED\nISSUED: ISSUED\nREVOKED: REVOKED\nDECLINED: DECLINED', enum_type=CertificateStatus, max_length=16),
        ),
        ops.AddField(
            model_name='Certificate',
            name='decline_reason',
            field=fields.CharField(null=True, max_length=500),
        ),
        ops.AddField(
            model_name='Certificate',
            name='declined_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Certificate',
            name='declined_by',
            field=fields.ForeignKeyField('models.User', source_field='declined_by_id', null=True, db_constraint=True, to_field='id', related_name='declined_certificates', on_delete=OnDelete.SET_NULL),
        ),
    ]
