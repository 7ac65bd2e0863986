"""Import limits: what an uploaded or given file may cost before it is refused.

A zip bomb (a few MB that inflate to gigabytes) or a multi-gigabyte CSV must not take the server's
memory or disk: archives are checked before anything reads them (declared sizes and ratios) and again
while they are decompressed in a stream (the declared sizes are not trusted: every member is inflated
through a counter, and the CRC of what was read must match); tables larger than
:data:`MAX_TABLE_BYTES` are refused from their size alone, unread, and smaller ones are parsed line
by line (``tables.read_csv_table``), so peak memory stays bounded whatever the file size.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from dashboard.errors import ImportRejected
from dashboard.formats import format_fr

MiB = 1 << 20
# An archive (zipped Shapefile, xlsx workbook) may inflate to this much in total: 1 Gio holds a
# national IRIS contour file several times over.
MAX_ARCHIVE_BYTES = 1024 * MiB
# Decompressed / compressed size, per member and in total: real Shapefiles and xlsx stay under 20,
# a zip bomb of zeros exceeds 1 000.
MAX_ARCHIVE_RATIO = 100
# Members of one archive (a Shapefile has 3 to 8 files; an xlsx a few dozen).
MAX_ARCHIVE_MEMBERS = 1_000
# A CSV/TSV table larger than this is refused unread: a département's REU addresses or a national
# results file by polling station weigh well under 200 Mio.
MAX_TABLE_BYTES = 512 * MiB
# Columns of one CSV row (the widest results files have about 300).
MAX_TABLE_COLUMNS = 5_000
# Members smaller than this are never refused for their ratio (tiny text files compress very well).
_RATIO_FLOOR = 1 * MiB
_CHUNK = 1 * MiB


def size_fr(n_bytes: int) -> str:
    """``1073741824`` → ``"1 024 Mio"``: limits named in French."""
    return f"{format_fr(n_bytes / MiB)}\u00a0Mio"


def read_head(path: Path, n_bytes: int) -> bytes:
    """The first ``n_bytes`` of a file, without reading the rest."""
    with open(path, "rb") as handle:
        return handle.read(n_bytes)


def check_table_size(path: Path) -> None:
    """Refuse a table larger than :data:`MAX_TABLE_BYTES` from its size alone."""
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        raise ImportRejected(
            f"fichier trop volumineux ({size_fr(size)}) : la limite d'un tableau CSV est de {size_fr(MAX_TABLE_BYTES)} ; "
            "découpez-le (par département par exemple)",
            file=path,
        )


def _ratio_refusal(path: Path, what: str, ratio: float) -> ImportRejected:
    return ImportRejected(
        f"archive refusée : {what} se décompresse {format_fr(ratio)} fois plus gros que compressé "
        f"(limite : {MAX_ARCHIVE_RATIO} fois), ce qui ressemble à une bombe de décompression",
        file=path,
    )


def _size_refusal(path: Path, total: int) -> ImportRejected:
    return ImportRejected(
        f"archive refusée : plus de {size_fr(total)} une fois décompressée "
        f"(limite : {size_fr(MAX_ARCHIVE_BYTES)})",
        file=path,
    )


def check_archive(path: Path) -> None:
    """Refuse a zip archive beyond :data:`MAX_ARCHIVE_BYTES` decompressed or :data:`MAX_ARCHIVE_RATIO`.

    First from the central directory (nothing inflated), then by inflating every member in 1 Mio
    chunks through a counter (nothing written, memory bounded): a member that inflates past its
    declared size, or whose CRC does not match, is refused as a corrupt archive.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ARCHIVE_MEMBERS:
                raise ImportRejected(
                    f"archive refusée : {format_fr(len(members))} fichiers (limite : {format_fr(MAX_ARCHIVE_MEMBERS)})", file=path)
            declared = sum(m.file_size for m in members)
            compressed = sum(m.compress_size for m in members)
            if declared > MAX_ARCHIVE_BYTES:
                raise _size_refusal(path, declared)
            for member in members:
                if member.file_size > _RATIO_FLOOR and member.file_size > MAX_ARCHIVE_RATIO * max(member.compress_size, 1):
                    raise _ratio_refusal(path, f"« {member.filename} »", member.file_size / max(member.compress_size, 1))
            if declared > _RATIO_FLOOR and declared > MAX_ARCHIVE_RATIO * max(compressed, 1):
                raise _ratio_refusal(path, "son contenu", declared / max(compressed, 1))
            inflated = 0
            for member in members:
                if member.is_dir():
                    continue
                seen = 0
                with archive.open(member) as stream:
                    while chunk := stream.read(_CHUNK):
                        seen += len(chunk)
                        inflated += len(chunk)
                        if inflated > MAX_ARCHIVE_BYTES:
                            raise _size_refusal(path, inflated)
                        if seen > max(member.file_size, 0):
                            raise ImportRejected(f"archive corrompue : « {member.filename} » dépasse sa taille déclarée", file=path)
                        if seen > _RATIO_FLOOR and seen > MAX_ARCHIVE_RATIO * max(member.compress_size, 1):
                            raise _ratio_refusal(path, f"« {member.filename} »", seen / max(member.compress_size, 1))
    except zipfile.BadZipFile as exc:
        raise ImportRejected(f"archive zip corrompue ({exc})", file=path) from exc
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression method, encrypted member
        raise ImportRejected(f"archive zip illisible ({exc})", file=path) from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise ImportRejected(f"archive zip illisible ({exc})", file=path) from exc
