"""Cloud paths (gs://, s3://) on the command line, checked for credentials before any pipeline is built.

Without credentials Beam's filesystems retry, and the README's Dataflow command
ended after two minutes in nine tracebacks from reading OUT's markers. Whether
credentials exist is known here without the network, in well under a second;
a bucket that does not exist or a store out of reach shows on the first read.
"""


def cloud_paths(values: list[str]) -> list[str]:
    """The values (paths, globs, flags like --temp_location=gs://...) that name cloud storage, as paths."""
    paths = [value.split("=", 1)[-1] if value.startswith("--") else value for value in values]
    return [path for path in dict.fromkeys(paths) if path.startswith(tuple(STORES))]


def no_auth(values: list[str]) -> bool:
    """Beam's --no_auth among the values: skip authorising with Google Cloud (public buckets, dry runs)."""
    return any(value == "--no_auth" or value.lower() == "--no_auth=true" for value in values)


def missing_credentials(values: list[str]) -> str | None:
    """Why a cloud path among values cannot be read or written from here (no credentials for its
    store), or None. Each store's credentials are looked up once; Google's not under --no_auth."""
    paths = cloud_paths(values)
    for scheme, (has_credentials, fix) in STORES.items():
        first = next((path for path in paths if path.startswith(scheme)), None)
        if first and not (scheme == "gs://" and no_auth(values)) and not has_credentials():
            return f"{first}: {fix}"
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


# Each store: whether this machine has credentials for it, and what to do when it has none.
STORES = {
    "gs://": (_google_credentials, "no Google Cloud credentials; run `gcloud auth application-default login`, "
                                   "or set GOOGLE_APPLICATION_CREDENTIALS to a service account's key file"),
    "s3://": (_aws_credentials, "no AWS credentials; run `aws configure`, or set AWS_ACCESS_KEY_ID and "
                                "AWS_SECRET_ACCESS_KEY"),
}
