#!/usr/bin/env python3
"""moto's S3 server on a free loopback port: the S3 peer of the hosting tests.

Listens on 127.0.0.1 (port 0 unless --port is given) and, once it answers, prints one
JSON line on stdout:

    {"port": N, "endpoint": "http://127.0.0.1:N", "iam": false}

Without --iam, moto accepts any signature, and serves presigned GETs without checking
theirs. With --iam, every request must be signed with a
key moto knows: the script creates an IAM user allowed s3:* and a role allowed s3:*,
assumes the role, makes a user allowed nothing, then switches moto's IAM checks on, and adds
the credentials to the line:

    "user": {"access_key_id", "secret_access_key"},
    "session": {"access_key_id", "secret_access_key", "session_token"},
    "denied": {"access_key_id", "secret_access_key"}

(moto cannot serve a presigned GET under --iam: it looks for an Authorization header and
answers 500. The tests use one server of each kind.)

Exits on SIGTERM or SIGINT, and when its parent goes away, so it never outlives the tests
that started it.
"""

import argparse
import json
import logging
import os
import signal
import threading
import time
import urllib.request

S3_ALL = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
})
TRUST_ANYONE = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
})


def make_credentials(endpoint):
    """An IAM user and an assumed-role session, both allowed everything in S3, and a user
    allowed nothing."""
    import boto3

    bootstrap = {"endpoint_url": endpoint, "region_name": "us-east-1",
                 "aws_access_key_id": "bootstrap", "aws_secret_access_key": "bootstrap"}
    iam = boto3.client("iam", **bootstrap)
    iam.create_user(UserName="avatarpipe-test")
    iam.put_user_policy(UserName="avatarpipe-test", PolicyName="s3", PolicyDocument=S3_ALL)
    key = iam.create_access_key(UserName="avatarpipe-test")["AccessKey"]
    role = iam.create_role(RoleName="avatarpipe-test", AssumeRolePolicyDocument=TRUST_ANYONE)["Role"]
    iam.put_role_policy(RoleName="avatarpipe-test", PolicyName="s3", PolicyDocument=S3_ALL)
    sts = boto3.client("sts", **bootstrap)
    session = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="avatarpipe-test")["Credentials"]
    iam.create_user(UserName="avatarpipe-denied")
    denied = iam.create_access_key(UserName="avatarpipe-denied")["AccessKey"]
    return {
        "user": {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]},
        "denied": {"access_key_id": denied["AccessKeyId"], "secret_access_key": denied["SecretAccessKey"]},
        "session": {"access_key_id": session["AccessKeyId"], "secret_access_key": session["SecretAccessKey"],
                    "session_token": session["SessionToken"]},
    }


def wait_until_answering(endpoint, deadline):
    while True:
        try:
            with urllib.request.urlopen(endpoint + "/moto-api/data.json", timeout=5) as response:
                response.read()
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--iam", action="store_true", help="check signatures against IAM users moto knows")
    args = parser.parse_args()

    # A parent may start us with signals blocked (Foundation's Process does): SIGTERM must work.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    parent = os.getppid()
    # werkzeug logs every request on stderr; keep stderr for what goes wrong.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from moto import settings
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    port = server.get_host_and_port()[1]
    endpoint = f"http://127.0.0.1:{port}"
    wait_until_answering(endpoint, time.monotonic() + 30)

    line = {"port": port, "endpoint": endpoint, "iam": args.iam}
    if args.iam:
        line.update(make_credentials(endpoint))
        # From here on every request is checked (moto reads this setting per request).
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    print(json.dumps(line), flush=True)

    # End of file on stdin is no sign: a parent that starts several servers may leak each
    # one's stdin pipe to the others. A new parent is.
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


if __name__ == "__main__":
    main()
