"""Cloud paths (gs://, s3://) on the command line, checked for credentials before any pipeline is built.

Without credentials Beam's filesystems retry, and the README's Dataflow command
ended after two minutes in nine tracebacks from reading OUT's markers. Whether
credentials exist is known here without the network, in well under a second;
a bucket that does not exist or a store out of reach shows on the first read.
"""

CLOUD_SCHEMES = ("gs://", "s3://")


def cloud_paths(values: list[str]) -> list[str]:
    """The values (paths, globs, flags like --temp_location=gs://...) that name cloud storage, as paths."""
    paths = [value.split("=", 1)[-1] if value.startswith("--") else value for value in values]
    return [path for path in dict.fromkeys(paths) if path.startswith(CLOUD_SCHEMES)]


def no_auth(beam_args: list[str]) -> bool:
    """Beam's --no_auth: skip authorising with Google Cloud (public buckets, dry runs)."""
    return any(arg == "--no_auth" or arg.lower() == "--no_auth=true" for arg in beam_args)


def missing_credentials(path: str) -> str | None:
    """Why path cannot be read or written from here (no credentials for its store), or None."""
    if path.startswith("gs://") and not _google_credentials():
        return (f"{path}: no Google Cloud credentials; run `gcloud auth application-default login`, "
                "or set GOOGLE_APPLICATION_CREDENTIALS to a service account's key file")
    if path.startswith("s3://") and not _aws_credentials():
        return f"{path}: no AWS credentials; run `aws configure`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    return None


def _google_credentials() -> bool:
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        google.auth.default()
    except DefaultCredentialsError:
        return False
    return True


def _aws_credentials() -> bool:
    import boto3

    return boto3.Session().get_credentials() is not None
