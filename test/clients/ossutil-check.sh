#!/bin/sh
# Checks ossutil (v1) against a kossd endpoint.
# Env: OSSUTIL (binary), OSS_ENDPOINT, OSS_REGION, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET,
# SIGN=v1|v4, STYLE=path|vhost (path adds --force-path-style), BUCKET (default random).
# TLS: SSL_CERT_FILE=<ca.crt> (ossutil is a Go program and reads it).
OSSUTIL=${OSSUTIL:-ossutil}
B=${BUCKET:-ossutil-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')}
W=$(mktemp -d)
set -- -e "$OSS_ENDPOINT" -i "$OSS_ACCESS_KEY_ID" -k "$OSS_ACCESS_KEY_SECRET"
[ "${SIGN:-v1}" = v4 ] && set -- "$@" --sign-version v4 --region "$OSS_REGION"
[ "${STYLE:-path}" = path ] && set -- "$@" --force-path-style
pass=0 fail=0
ou() { "$OSSUTIL" "$@" > "$W/out" 2>&1; }
check() { name=$1; shift
  if "$@"; then pass=$((pass+1)); echo "PASS $name"; else fail=$((fail+1)); echo "FAIL $name"; sed 's/^/    /' "$W/out" | head -8; fi; }
has() { grep -q -- "$1" "$W/out"; }

head -c 1000 /dev/urandom > "$W/small"; head -c 6000000 /dev/urandom > "$W/big"
printf '<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader></CORSRule></CORSConfiguration>' > "$W/cors.xml"
printf '<LifecycleConfiguration><Rule><ID>tmp</ID><Prefix>tmp/</Prefix><Status>Enabled</Status><Expiration><Days>7</Days></Expiration></Rule></LifecycleConfiguration>' > "$W/lc.xml"

check mb ou mb "oss://$B" "$@"
check "cp up small" ou cp "$W/small" "oss://$B/small" "$@"
check "cp up multipart" ou cp "$W/big" "oss://$B/big" --bigfile-threshold 1048576 --part-size 1048576 "$@"
check "cp down small" sh -c 'ou() { "$0" "$@" > "'"$W"'/out" 2>&1; }; ou cp "oss://'"$B"'/small" "'"$W"'/small.got" "$@" && cmp "'"$W"'/small" "'"$W"'/small.got"' "$OSSUTIL" "$@"
check "cp down multipart" sh -c 'ou() { "$0" "$@" > "'"$W"'/out" 2>&1; }; ou cp "oss://'"$B"'/big" "'"$W"'/big.got" --bigfile-threshold 1048576 --part-size 1048576 "$@" && cmp "'"$W"'/big" "'"$W"'/big.got"' "$OSSUTIL" "$@"
check ls sh -c '"$0" ls "oss://'"$B"'" "$@" > "'"$W"'/out" 2>&1 && grep -q "Object Number is: 2" "'"$W"'/out"' "$OSSUTIL" "$@"
check "ls --all-versions" sh -c '"$0" ls "oss://'"$B"'" --all-versions "$@" > "'"$W"'/out" 2>&1 && grep -q null "'"$W"'/out"' "$OSSUTIL" "$@"
check "set-acl bucket" ou set-acl "oss://$B" public-read -b "$@"
check "stat bucket shows public-read" sh -c '"$0" stat "oss://'"$B"'" "$@" > "'"$W"'/out" 2>&1 && grep -q public-read "'"$W"'/out"' "$OSSUTIL" "$@"
check "set-acl object" ou set-acl "oss://$B/small" private "$@"
check "stat object" sh -c '"$0" stat "oss://'"$B"'/small" "$@" > "'"$W"'/out" 2>&1 && grep -q "ACL *: private" "'"$W"'/out" && grep -q "Content-Length *: 1000" "'"$W"'/out"' "$OSSUTIL" "$@"
check create-symlink ou create-symlink "oss://$B/link" "oss://$B/small" "$@"
check read-symlink sh -c '"$0" read-symlink "oss://'"$B"'/link" "$@" > "'"$W"'/out" 2>&1 && grep -q "X-Oss-Symlink-Target *: small" "'"$W"'/out"' "$OSSUTIL" "$@"
check "object-tagging put" ou object-tagging --method put "oss://$B/small" "a#1" "b#2" "$@"
check "object-tagging get" sh -c '"$0" object-tagging --method get "oss://'"$B"'/small" "$@" > "'"$W"'/out" 2>&1 && grep -q "a" "'"$W"'/out" && grep -q "2" "'"$W"'/out"' "$OSSUTIL" "$@"
check "object-tagging delete" ou object-tagging --method delete "oss://$B/small" "$@"
check "bucket-tagging put" ou bucket-tagging --method put "oss://$B" "team#x" "$@"
check "bucket-tagging get" sh -c '"$0" bucket-tagging --method get "oss://'"$B"'" "$@" > "'"$W"'/out" 2>&1 && grep -q team "'"$W"'/out"' "$OSSUTIL" "$@"
check "bucket-tagging delete" ou bucket-tagging --method delete "oss://$B" "$@"
check "cors put" ou cors --method put "oss://$B" "$W/cors.xml" "$@"
check "cors get" sh -c '"$0" cors --method get "oss://'"$B"'" "$@" > "'"$W"'/out" 2>&1 && grep -q app.example.com "'"$W"'/out"' "$OSSUTIL" "$@"
check "cors delete" ou cors --method delete "oss://$B" "$@"
check "lifecycle put" ou lifecycle --method put "oss://$B" "$W/lc.xml" "$@"
check "lifecycle get" sh -c '"$0" lifecycle --method get "oss://'"$B"'" "$@" > "'"$W"'/out" 2>&1 && grep -q "<ID>tmp</ID>" "'"$W"'/out"' "$OSSUTIL" "$@"
check "lifecycle delete" ou lifecycle --method delete "oss://$B" "$@"
check rm ou rm "oss://$B/small" -f "$@"
check "rm -r -f --all-versions -b" ou rm -r -f --all-versions -b "oss://$B" "$@"
check "bucket gone" sh -c '! "$0" stat "oss://'"$B"'" "$@" > "'"$W"'/out" 2>&1 && grep -q NoSuchBucket "'"$W"'/out"' "$OSSUTIL" "$@"
echo "ossutil ${STYLE:-path} ${SIGN:-v1} $OSS_ENDPOINT: $pass/$((pass+fail)) passed"
rm -rf "$W"
[ $fail = 0 ]
