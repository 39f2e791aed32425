#!/bin/sh
# Runs every client check against one endpoint, with V1 and V4 signing, in path
# style and, with OSS_VHOST_ENDPOINT, in virtual-host style. See README.md.
cd "$(dirname "$0")" || exit 1
: "${OSS_ENDPOINT:?}" "${OSS_REGION:?}" "${OSS_ACCESS_KEY_ID:?}" "${OSS_ACCESS_KEY_SECRET:?}"
export OSSUTIL="${OSSUTIL:-ossutil}"
if [ -n "$OSS_CA_FILE" ]; then export NODE_EXTRA_CA_CERTS="$OSS_CA_FILE" SSL_CERT_FILE="$OSS_CA_FILE"; fi
rnd() { od -An -N3 -tx1 /dev/urandom | tr -d ' \n'; }
for sign in v1 v4; do
	SIGN=$sign node alioss-check.js | grep -v '^PASS'
	SIGN=$sign ./ossutil-check.sh | grep -v '^PASS'
	SIGN=$sign BUCKET=gosdk-$(rnd) go run ./gosdk/v1
	if [ -n "$OSS_VHOST_ENDPOINT" ]; then
		OSS_ENDPOINT=$OSS_VHOST_ENDPOINT STYLE=vhost BUCKET=alioss-vh SIGN=$sign node alioss-check.js | grep -v '^PASS'
		OSS_ENDPOINT=$OSS_VHOST_ENDPOINT STYLE=vhost BUCKET=ossutil-vh SIGN=$sign ./ossutil-check.sh | grep -v '^PASS'
		OSS_ENDPOINT=$OSS_VHOST_ENDPOINT STYLE=vhost BUCKET=gosdk-vh SIGN=$sign go run ./gosdk/v1
	fi
done
BUCKET=gosdk-$(rnd) go run ./gosdk/v2
if [ -n "$OSS_VHOST_ENDPOINT" ]; then
	OSS_ENDPOINT=$OSS_VHOST_ENDPOINT STYLE=vhost BUCKET=gosdk-vh go run ./gosdk/v2
fi
