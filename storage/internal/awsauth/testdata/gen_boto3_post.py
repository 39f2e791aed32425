# Generates testdata/boto3_post.json: what boto3's generate_presigned_post
# returns, with botocore's default signer (SigV2 for presigned POST) and s3v4.
import json, time, boto3, botocore, botocore.config
out = {"botocore": botocore.__version__, "generated_unix": int(time.time())}
for name, sv in (("v2", None), ("v4", "s3v4")):
    cfg = {"s3": {"addressing_style": "path"}}
    if sv:
        cfg["signature_version"] = sv
    s3 = boto3.client("s3", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9000", config=botocore.config.Config(**cfg))
    post = s3.generate_presigned_post(Bucket="bkt", Key="uploads/${filename}",
        Fields={"acl": "public-read", "Content-Type": "text/plain", "x-amz-meta-owner": "eric", "success_action_status": "201"},
        Conditions=[{"acl": "public-read"}, ["starts-with", "$Content-Type", "text/"], {"x-amz-meta-owner": "eric"},
                    {"success_action_status": "201"}, ["content-length-range", 1, 100]],
        ExpiresIn=3600)
    out[name] = {"url": post["url"], "fields": post["fields"]}
print(json.dumps(out, indent=1, sort_keys=True))
