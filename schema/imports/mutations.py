"""The upload that starts an import. The file arrives as an `Upload` (the GraphQL multipart
request spec, with api/graphql.py's CSRF header rule and its request size limit); a larger
registry is imported with the CLI on the server."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload

from models.accounts import Role
from models.imports import ImportKind
from schema.core.context import Info
from schema.core.errors import payload
from schema.core.permissions import requires
from schema.imports.types import ImportJobPayload, ImportJobType
from services import imports


@strawberry.input(description="A CSV or XLSX file to import, and what it holds.")
class StartImportInput:
    kind: ImportKind = strawberry.field(description="What the file holds.")
    file: Upload = strawberry.field(description="The CSV (UTF-8 or GB18030) or XLSX file.")
    source_system: str = strawberry.field(
        default="import",
        description="The earlier system's name; historic hours are keyed by it and their "
        "record id, so name the same system the same way every time.",
    )
    dry_run: bool = strawberry.field(
        default=False, description="Only check every row and report; write nothing."
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Start importing a file; poll `importJob` for progress and the report.",
        extensions=[requires(Role.ADMIN)],
    )
    async def start_import(self, info: Info, input: StartImportInput) -> ImportJobPayload:
        upload = input.file
        if isinstance(upload, bytes):
            data, name = upload, ""
        else:
            data = bytes(await upload.read())
            name = str(getattr(upload, "filename", "") or "")
        return await payload(
            ImportJobPayload,
            imports.start_job(
                info.context.principal,
                input.kind,
                name,
                data,
                input.source_system,
                input.dry_run,
            ),
            lambda job: ImportJobPayload(import_job=ImportJobType.from_model(job)),
        )
