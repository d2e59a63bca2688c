#!/usr/bin/env python3
"""botocore's SigV4 signatures for S3 requests, at a frozen time: the reference the Swift
signer is compared with, byte for byte (Tests/AvatarPipeTests/SigV4Tests.swift).

    sigv4-reference.py --time 20240115T093000Z --cases '[{...}, ...]'

Each case is a JSON object:
    op              "presign" (a GET URL), "put" (an object), "delete" (an object),
                    "create-bucket"
    bucket, key     key not for create-bucket
    region          e.g. "eu-west-1"
    endpoint        optional URL (a custom endpoint, e.g. "http://127.0.0.1:9000")
    addressing      "virtual" or "path"
    access_key, secret_key, session_token (optional)
    expires         seconds, for presign
    body            optional text, for put and create-bucket: its SHA-256 is signed
    unsigned        true: sign "UNSIGNED-PAYLOAD" instead of the body's hash
    headers         optional {name: value} to send and sign besides botocore's own

Prints a JSON array with one object per case: "url" (the presigned URL, or the URL the
request goes to) and, for signed requests, "headers" (X-Amz-Date, X-Amz-Content-SHA256,
X-Amz-Security-Token when present, Authorization).

URLs come from a real botocore client (its endpoint rules, bucket addressing and key
encoding; us-east-1 on its regional endpoint). Presigned URLs are the client's own
generate_presigned_url; headers come from botocore's S3SigV4Auth signer on an AWSRequest
to that URL. The clock is frozen by replacing botocore.auth.get_current_datetime.
"""

import argparse
import datetime
import json

import botocore.auth
import botocore.session
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

OPERATIONS = {"presign": "get_object", "put": "put_object", "delete": "delete_object", "create-bucket": "create_bucket"}
METHODS = {"put": "PUT", "delete": "DELETE", "create-bucket": "PUT"}


def client_for(session, case):
    config = Config(signature_version="s3v4",
                    s3={"addressing_style": case["addressing"], "us_east_1_regional_endpoint": "regional"})
    return session.create_client("s3", region_name=case["region"], endpoint_url=case.get("endpoint"),
                                 aws_access_key_id=case["access_key"], aws_secret_access_key=case["secret_key"],
                                 aws_session_token=case.get("session_token"), config=config)


def reference(session, case):
    client = client_for(session, case)
    op = case["op"]
    params = {"Bucket": case["bucket"]}
    if op != "create-bucket":
        params["Key"] = case["key"]
    url = client.generate_presigned_url(OPERATIONS[op], Params=params, ExpiresIn=case.get("expires", 3600))
    if op == "presign":
        return {"url": url}

    url = url.split("?", 1)[0]
    body = case.get("body", "").encode("utf-8")
    request = AWSRequest(method=METHODS[op], url=url, headers=dict(case.get("headers", {})), data=body)
    if case.get("unsigned"):
        request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    credentials = Credentials(case["access_key"], case["secret_key"], case.get("session_token"))
    S3SigV4Auth(credentials, "s3", case["region"]).add_auth(request)
    names = ["X-Amz-Date", "X-Amz-Content-SHA256", "X-Amz-Security-Token", "Authorization"]
    return {"url": url, "headers": {name: request.headers[name] for name in names if name in request.headers}}


def main():
    parser = argparse.ArgumentParser(description="botocore's SigV4 signatures at a frozen time")
    parser.add_argument("--time", required=True, help="UTC, as 20240115T093000Z")
    parser.add_argument("--cases", required=True, help="a JSON array of cases")
    args = parser.parse_args()

    frozen = datetime.datetime.strptime(args.time, "%Y%m%dT%H%M%SZ")
    botocore.auth.get_current_datetime = lambda remove_tzinfo=True: frozen

    session = botocore.session.get_session()
    print(json.dumps([reference(session, case) for case in json.loads(args.cases)]))


if __name__ == "__main__":
    main()
