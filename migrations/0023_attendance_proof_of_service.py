from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


# SQLite alters a column by copying the table, dropping the old one and renaming the copy.
# With foreign keys enforced, that DROP runs an implicit DELETE: the time bank's deposits and
# the star levels that refer to the records would be cascaded away (or the DROP refused). The
# pragma only takes effect outside a transaction, hence `atomic = False`; the check after the
# copy makes sure that every reference still finds its row.
async def foreign_keys_off(apps, schema_editor):
    if schema_editor.client.capabilities.dialect == "sqlite":
        await schema_editor.client.execute_script("PRAGMA foreign_keys=OFF")


# The copy keeps the columns but not the indexes made apart from the table (nor the one-to-one
# assignment's UNIQUE): made again here, under the names the earlier migrations gave them.
_SQLITE_INDEXES = (
    'CREATE UNIQUE INDEX IF NOT EXISTS "uid_service_rec_assignm_0020" '
    'ON "service_record" ("assignment_id")',
    'CREATE INDEX IF NOT EXISTS "idx_service_rec_volunte_d0bec6" '
    'ON "service_record" ("volunteer_id", "status")',
    'CREATE INDEX IF NOT EXISTS "idx_service_rec_status_31cafa" '
    'ON "service_record" ("status", "ended_at", "volunteer_id", "hours")',
    'CREATE INDEX IF NOT EXISTS "idx_service_rec_status_384748" '
    'ON "service_record" ("status", "decided_at", "id")',
    'CREATE INDEX IF NOT EXISTS "idx_service_rec_status_716350" '
    'ON "service_record" ("status", "volunteer_id", "ended_at", "hours")',
)


async def foreign_keys_on(apps, schema_editor):
    if schema_editor.client.capabilities.dialect != "sqlite":
        return
    for sql in _SQLITE_INDEXES:
        await schema_editor.client.execute_script(sql)
    _, broken = await schema_editor.client.execute_query("PRAGMA foreign_key_check")
    await schema_editor.client.execute_script("PRAGMA foreign_keys=ON")
    if broken:
        raise RuntimeError(f"References lost while copying service_record: {broken[:5]}")


class Migration(migrations.Migration):
    dependencies = [('models', '0022_audit_log')]

    initial = False
    atomic = False

    operations = [
        ops.RunPython(foreign_keys_off, reverse_code=None),
        ops.AddField(
            model_name='OrderAssignment',
            name='checkin_flags',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AlterModelOptions(
            name='ServiceRecord',
            options={'table': 'service_record', 'app': 'models', 'indexes': [Index(fields=['volunteer_id', 'status']), Index(fields=['status', 'ended_at', 'volunteer_id', 'hours']), Index(fields=['status', 'decided_at', 'id']), Index(fields=['status', 'volunteer_id', 'ended_at', 'hours']), Index(fields=['status', 'organization_id', 'id'])], 'pk_attr': 'id', 'table_description': 'Hours served, from check-in to check-out, which count once confirmed.'},
        ),
        ops.AlterField(
            model_name='ServiceRecord',
            name='assignment',
            field=fields.OneToOneField('models.OrderAssignment', source_field='assignment_id', null=True, db_constraint=True, to_field='id', related_name='record', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='ServiceRecord',
            name='order',
            field=fields.ForeignKeyField('models.ServiceOrder', source_field='order_id', null=True, db_constraint=True, to_field='id', related_name='records', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='ServiceRecord',
            name='flags',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AddField(
            model_name='ServiceRecord',
            name='organization',
            field=fields.ForeignKeyField('models.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='activity_records', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='ServiceRecord',
            name='sign_up',
            field=fields.OneToOneField('models.SignUp', source_field='sign_up_id', null=True, db_constraint=True, to_field='id', related_name='record', on_delete=OnDelete.CASCADE),
        ),
        ops.AddIndex(
            model_name='ServiceRecord',
            index=Index(fields=['status', 'organization_id', 'id']),
        ),
        ops.AddField(
            model_name='SignUp',
            name='checked_in_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='SignUp',
            name='checked_out_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='SignUp',
            name='checkin_flags',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.RunPython(foreign_keys_on, reverse_code=None),
    ]
