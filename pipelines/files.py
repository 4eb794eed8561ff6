"""Files by glob, local or on any file system Beam knows (gs://, s3://)."""

from apache_beam.io.filesystems import FileSystems

from webtext.cli import UsageError


def matching(pattern: str) -> list[str]:
    """Every file matching the glob, sorted; [] when none does."""
    return sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)


def input_files(patterns: list[str], flag: str) -> list[str]:
    """Every file matching any of the globs given with flag; a UsageError naming a glob that matches none."""
    found = set()
    for pattern in patterns:
        paths = matching(pattern)
        if not paths:
            raise UsageError(f"{flag} {pattern!r} matches no file: check the path and quote the glob")
        found.update(paths)
    return sorted(found)


def delete_matching(pattern: str) -> None:
    paths = matching(pattern)
    if paths:
        FileSystems.delete(paths)
