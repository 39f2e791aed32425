package s3api

import (
	"net/http"
	"net/url"

	"github.com/koss-io/koss/storage/internal/awsauth"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3err"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// postObject stores the file of a POST Object form (browser uploads, the
// SDKs' presigned POST): awsauth reads the fields before the file and
// verifies the policy's signature and conditions; the key and the object's
// headers come from the form; the write needs the grant (or public ACL)
// a PutObject would. The file's length is unknown until its end, so it is
// spooled (and checked against the policy's length range and the form's
// checksum) before the engine stores it.
func (h *Handler) postObject(w http.ResponseWriter, r *http.Request, st *reqState) error {
	ctx := r.Context()
	b := st.target.bucket
	form, file, err := awsauth.ReadPostForm(r, b)
	if err != nil {
		return err
	}
	pr, err := h.authn.VerifyPostPolicy(ctx, form)
	if err != nil {
		return err
	}
	if !pr.Anonymous {
		st.principal = pr.Principal
		st.rec.AccessKeyID = pr.Principal.AccessKeyID
	}
	st.target.key, st.rec.Key = pr.Key, pr.Key
	if ae := s3wire.CheckKey(pr.Key); ae != nil {
		return ae.With("Key", pr.Key)
	}
	// The form's tagging field is a Tagging document, as in PutObjectTagging.
	var tags map[string]string
	if pr.Tagging != "" {
		var ae *s3wire.Error
		if tags, ae = s3wire.ParseTagging([]byte(pr.Tagging)); ae != nil {
			return ae
		}
	}
	if err := h.authorize(ctx, st, b, pr.Key, accessWrite); err != nil {
		return err
	}
	md, ae := s3wire.ParseMetadata(pr.Header)
	if ae != nil {
		return ae
	}
	if ae := rejectUnsupportedHeaders(pr.Header); ae != nil {
		return ae
	}
	st.body = pr.Body(file)
	body, err := h.uploadBody(r, st, object.MaxObjectSize)
	if err != nil {
		return err
	}
	defer body.Close()
	opts := object.PutOptions{Metadata: md, Tags: tags}
	setPutChecksum(&opts, body.Storable(object.Checksum{}))
	info, err := h.layer.PutObject(ctx, b, pr.Key, body.R, body.Size, opts)
	if err != nil {
		return s3err.Object(err, b, pr.Key)
	}
	etag := s3wire.ETag(info.ETag)
	hdr := w.Header()
	hdr.Set("ETag", etag)
	if cs, ok := body.Checksum(); ok {
		hdr.Set(cs.Alg.Header(), cs.Value)
	}
	// S3 answers the object's absolute URL, in the style of the request.
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	location := scheme + "://" + r.Host + (&url.URL{Path: "/" + pr.Key}).EscapedPath()
	if st.target.endpoint == r.Host {
		location = scheme + "://" + r.Host + (&url.URL{Path: "/" + b + "/" + pr.Key}).EscapedPath()
	}
	if pr.SuccessActionRedirect != "" {
		if u, err := url.Parse(pr.SuccessActionRedirect); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			q := u.Query()
			q.Set("bucket", b)
			q.Set("key", pr.Key)
			q.Set("etag", etag)
			u.RawQuery = q.Encode()
			hdr.Set("Location", u.String())
			return writeEmpty(w, http.StatusSeeOther)
		}
	}
	hdr.Set("Location", location)
	switch pr.SuccessActionStatus {
	case http.StatusCreated:
		return writeXMLStatus(w, http.StatusCreated, s3wire.PostResponse{Location: location, Bucket: b, Key: pr.Key, ETag: etag})
	case http.StatusOK:
		return writeEmpty(w, http.StatusOK)
	}
	return writeEmpty(w, http.StatusNoContent)
}
