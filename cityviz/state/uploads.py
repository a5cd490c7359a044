"""Reading a browser upload without trusting its announced size."""

from __future__ import annotations

import reflex as rx

from cityviz.services.errors import InvalidInput
from cityviz.services.households import files


async def read_upload(uploads: list[rx.UploadFile], formats: str = "PDF, JPEG ou PNG") -> tuple[bytes, str]:
    """(content, file name) of the first file; at most 10 MB are read.

    No file at all is also what the browser hands over when it turned the chosen one away
    (a .txt, a file over 10 MB): say what is accepted, not merely "choose a file".
    """
    if not uploads:
        raise InvalidInput(f"Ce fichier n'est pas accepté : envoyez un fichier {formats} de 10 Mo au plus.",
                           field="file")
    upload = uploads[0]
    data = await upload.read(files.MAX_BYTES + 1)
    if len(data) > files.MAX_BYTES:
        raise InvalidInput("Le fichier dépasse 10 Mo : réduisez-le (photo moins grande, PDF compressé) "
                           "puis réessayez.", field="file")
    return data, (upload.name or "document")


async def read_uploads(uploads: list[rx.UploadFile], limit: int = 3) -> list[tuple[str, bytes]]:
    """(file name, content) of every file chosen (none is fine: attachments are optional); each read
    to 10 MB at most, and the service checks them all before writing anything."""
    if len(uploads) > limit:
        raise InvalidInput(f"{limit} pièces jointes au plus par message.", field="file")
    chosen = []
    for upload in uploads:
        data = await upload.read(files.MAX_BYTES + 1)
        if len(data) > files.MAX_BYTES:
            raise InvalidInput(f"« {upload.name} » dépasse 10 Mo : réduisez-le (photo moins grande, PDF compressé) "
                               "puis réessayez.", field="file")
        chosen.append((upload.name or "piece-jointe", data))
    return chosen
