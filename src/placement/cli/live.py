"""`--cluster` and `--service`: reading a live cluster through boto3 (the `aws` extra).

boto3 is imported here only, when a command names a cluster, so the other commands start fast
and work without it. Every AWS failure becomes one `placement: ...` line: boto3 missing, no
credentials, no region, an unknown profile, AWS refusing (ClientError), no connection.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..aws import fetch_cluster, fetch_service
from ..errors import PlacementError
from ..inventory import Inventory

__all__ = ["ecs_client", "read_cluster", "read_service", "aws_errors"]


@contextmanager
def aws_errors() -> Iterator[None]:
    """Turn botocore's exceptions into `PlacementError`s with a readable message."""
    # Through importlib: botocore has no type information, and the CLI only catches its errors.
    aws: Any = importlib.import_module("botocore.exceptions")

    try:
        yield
    except aws.ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "error")
        message = error.get("Message") or str(exc)
        raise PlacementError(f"AWS refused {exc.operation_name}: {code}: {message}") from None
    except aws.NoCredentialsError:
        raise PlacementError(
            "no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or pass --profile)"
        ) from None
    except aws.NoRegionError:
        raise PlacementError("no AWS region: pass --region or set AWS_REGION") from None
    except aws.BotoCoreError as exc:  # unknown profile, no connection, bad configuration ...
        raise PlacementError(f"AWS: {exc}") from None


def ecs_client(args: argparse.Namespace) -> Any:
    """A boto3 ECS client for `--region` / `--profile` (else the usual AWS configuration)."""
    try:
        import boto3
    except ImportError:
        raise PlacementError(
            "--cluster reads AWS through boto3, which is not installed: "
            "pip install 'placement[aws]'"
        ) from None
    with aws_errors():
        session = boto3.Session(profile_name=args.profile, region_name=args.region)
        return session.client("ecs")


def read_cluster(args: argparse.Namespace) -> Inventory:
    """The container instances and running tasks of `--cluster`."""
    client = ecs_client(args)
    with aws_errors():
        instances, tasks = fetch_cluster(client, args.cluster)
    return Inventory.from_ecs(instances, tasks)


def read_service(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """`--service`'s DescribeServices element and its task definition."""
    client = ecs_client(args)
    with aws_errors():
        return fetch_service(client, args.cluster, args.service)
