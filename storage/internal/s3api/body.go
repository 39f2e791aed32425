package s3api

import (
	"bytes"
	"crypto/md5"
	"io"
	"net/http"

	"github.com/koss-io/koss/storage/internal/s3api/s3body"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// source returns the request's body as the handler must read it: decoded
// and verified by awsauth when it decoded one.
func (st *reqState) source(r *http.Request) io.Reader {
	if st.body != nil {
		return st.body
	}
	return r.Body
}

// bodySize is the length of the decoded body: awsauth's (the decoded
// length of an aws-chunked body), else Content-Length; -1 when unknown.
func (st *reqState) bodySize(r *http.Request) int64 {
	if st.body != nil {
		return st.body.Size()
	}
	if r.ContentLength == 0 && r.Header.Get("Content-Length") == "" {
		return -1
	}
	return r.ContentLength
}

// uploadBody prepares the body of PutObject or UploadPart (s3body.Prepare).
func (h *Handler) uploadBody(r *http.Request, st *reqState, limit int64) (*s3body.Body, error) {
	return s3body.Prepare(st.source(r), st.body, st.bodySize(r), limit, r.Header.Get("X-Amz-Trailer") != "", h.spoolDir)
}

// readXMLBody reads a small XML request body whole, refusing bodies over
// the cap. awsauth's Body checks Content-MD5 and any x-amz-checksum-*
// (SDKs send either on DeleteObjects) when the read reaches the end; the
// MD5 is checked here as well for a body that did not go through it.
func (h *Handler) readXMLBody(r *http.Request, st *reqState) ([]byte, error) {
	md5sum, ae := s3wire.ParseContentMD5(r.Header)
	if ae != nil {
		return nil, ae
	}
	tooLarge := s3wire.ErrMalformedXML.Msgf("The XML you provided was larger than the maximum of %d bytes.", h.maxXML)
	if st.bodySize(r) > h.maxXML {
		return nil, tooLarge
	}
	b, err := io.ReadAll(io.LimitReader(st.source(r), h.maxXML+1))
	if err != nil {
		return nil, s3body.ReadErr(err)
	}
	if int64(len(b)) > h.maxXML {
		return nil, tooLarge
	}
	if got := md5.Sum(b); md5sum != nil && !bytes.Equal(got[:], md5sum) {
		return nil, s3wire.ErrBadDigest
	}
	return b, nil
}
