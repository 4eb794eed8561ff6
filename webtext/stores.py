"""Cloud paths (gs://, s3://) on the command line, checked before any pipeline is built.

Without credentials, or with a bucket that does not exist or a store out of
reach, Beam's filesystems retry, and the README's Dataflow command ended after
two minutes in nine tracebacks from reading OUT's markers. Here: whether
credentials exist (known without the network), then one request a bucket,
with a short timeout and no retries; the first problem is one line.
"""

import importlib.util
from typing import Callable, NamedTuple

# Seconds a bucket's one request may take: a store that answers at all answers in well under this.
REACH_TIMEOUT_S = 5.0


def cloud_paths(values: list[str]) -> list[str]:
    """The values (paths, globs, flags like --temp_location=gs://...) that name cloud storage, as paths."""
    paths = [value.split("=", 1)[-1] if value.startswith("--") else value for value in values]
    return [path for path in dict.fromkeys(paths) if path.startswith(tuple(STORES))]


def no_auth(values: list[str]) -> bool:
    """Beam's --no_auth among the values: skip authorising with Google Cloud (public buckets, dry runs)."""
    return any(value == "--no_auth" or value.lower() == "--no_auth=true" for value in values)


def flag_value(values: list[str], flag: str) -> str | None:
    """The value of `--flag=value` or `--flag value` among values, or None."""
    for i, value in enumerate(values):
        if value.startswith(flag + "="):
            return value.split("=", 1)[1]
        if value == flag and i + 1 < len(values):
            return values[i + 1]
    return None


def dry_run(values: list[str]) -> bool:
    """Beam's --dry_run among the values: the job is translated, no storage touched."""
    return "--dry_run" in values or (flag_value(values, "--dry_run") or "").lower() == "true"


def problem(values: list[str]) -> str | None:
    """Why a cloud path among values cannot be read or written from here, or None: no credentials for
    its store (each store's looked up once; Google's not under --no_auth), then, unless a dry run, a
    bucket that does not exist or a store that does not answer (each bucket asked once)."""
    paths = cloud_paths(values)
    for scheme, store in STORES.items():
        first = next((path for path in paths if path.startswith(scheme)), None)
        if first and not installed(store.library):
            return f"{first}: {store.not_installed}"
        if first and not (scheme == "gs://" and no_auth(values)) and not store.has_credentials():
            return f"{first}: {store.no_credentials}"
    asked = set()
    for path in [] if dry_run(values) else paths:
        scheme, bucket = path[:5], path.split("/")[2]
        if (scheme, bucket) not in asked:
            asked.add((scheme, bucket))
            trouble = STORES[scheme].bucket_problem(bucket, values)
            if trouble:
                return f"{path}: {trouble}"
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


def _gcs_bucket_problem(bucket: str, values: list[str]) -> str | None:
    import requests
    from google.api_core import exceptions
    from google.cloud import storage

    # The client reads STORAGE_EMULATOR_HOST, as Beam's does.
    client = storage.Client.create_anonymous_client() if no_auth(values) else storage.Client()
    try:
        if not client.bucket(bucket).exists(timeout=REACH_TIMEOUT_S, retry=None):
            return f"bucket {bucket} does not exist; create it (`gcloud storage buckets create gs://{bucket}`) or name another"
    except exceptions.Forbidden:
        return None  # may not read the bucket's metadata, yet may read and write its objects
    except (requests.RequestException, exceptions.GoogleAPIError) as e:
        return f"Google Cloud Storage did not answer ({type(e).__name__}); check this machine's network or proxy"
    return None


def _s3_bucket_problem(bucket: str, values: list[str]) -> str | None:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    config = Config(connect_timeout=REACH_TIMEOUT_S, read_timeout=REACH_TIMEOUT_S, retries={"total_max_attempts": 1})
    # Beam's own flag for an S3-compatible store; boto3 reads AWS_ENDPOINT_URL itself.
    client = boto3.client("s3", config=config, endpoint_url=flag_value(values, "--s3_endpoint_url"))
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket"):
            return f"bucket {bucket} does not exist; create it (`aws s3 mb s3://{bucket}`) or name another"
        return None  # 403, or a bucket in another region (301): it exists
    except BotoCoreError as e:
        return f"S3 did not answer ({type(e).__name__}); check this machine's network, proxy or --s3_endpoint_url"
    return None


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


class Store(NamedTuple):
    library: str  # the module Beam's filesystem for the store and these checks need
    not_installed: str  # how to install it
    has_credentials: Callable[[], bool]
    no_credentials: str  # what to do when it has none
    bucket_problem: Callable[[str, list[str]], str | None]  # (bucket, the command line) -> why it cannot be used


STORES = {
    "gs://": Store(
        "google.cloud.storage", "Beam's Google Cloud filesystem is not installed; pip install 'webtext[dataflow]'",
        _google_credentials, "no Google Cloud credentials; run `gcloud auth application-default login`, "
                             "or set GOOGLE_APPLICATION_CREDENTIALS to a service account's key file",
        _gcs_bucket_problem),
    "s3://": Store(
        "boto3", "Beam's S3 filesystem is not installed; pip install 'apache-beam[aws]'",
        _aws_credentials, "no AWS credentials; run `aws configure`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        _s3_bucket_problem),
}
