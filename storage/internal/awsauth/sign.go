package awsauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// emptySHA256 is the hex SHA-256 of no bytes.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// signingKey derives the SigV4 signing key of a credential scope.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, terminator)
}

// stringToSign is SigV4's string to sign of a canonical request.
func stringToSign(timestamp, scope, canonicalRequest string) string {
	return algorithmV4 + "\n" + timestamp + "\n" + scope + "\n" + hexSHA256([]byte(canonicalRequest))
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func hmacHex(key []byte, s string) string { return hex.EncodeToString(hmacSHA256(key, s)) }

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// equalSig compares two lower-case hex signatures in constant time.
func equalSig(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

// chainSigner checks the signatures of an aws-chunked body: each chunk's
// signature covers the previous one, the first the request's (seed)
// signature, so chunks can be neither changed, dropped nor reordered.
type chainSigner struct {
	key       []byte
	timestamp string
	scope     string
	prev      string
}

// chunkStringToSign is the string to sign of a chunk whose data hashes to
// dataSHA256 (hex).
func (s *chainSigner) chunkStringToSign(dataSHA256 string) string {
	return "AWS4-HMAC-SHA256-PAYLOAD\n" + s.timestamp + "\n" + s.scope + "\n" + s.prev + "\n" + emptySHA256 + "\n" + dataSHA256
}

// trailerStringToSign is the string to sign of the trailer chunk whose
// canonical headers ("name:value\n" each) hash to trailerSHA256.
func (s *chainSigner) trailerStringToSign(trailerSHA256 string) string {
	return "AWS4-HMAC-SHA256-TRAILER\n" + s.timestamp + "\n" + s.scope + "\n" + s.prev + "\n" + trailerSHA256
}

// check verifies got against the signature of sts and moves the chain on.
func (s *chainSigner) check(sts, got string) error {
	want := hmacHex(s.key, sts)
	if !equalSig(want, got) {
		return errSignature(sts, "")
	}
	s.prev = want
	return nil
}
