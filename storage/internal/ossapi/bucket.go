package ossapi

import (
	"bytes"
	"crypto/md5"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// Listing limits shared by ListBuckets and ListObjects.
const (
	defaultMaxKeys = 100
	maxMaxKeys     = 1000
)

// parseMaxKeys reads the max-keys (or another count) parameter: absent means
// def; anything but an integer in 1..limit is InvalidArgument (a huge value
// included: clients rely on that failing rather than being clamped).
func parseMaxKeys(q url.Values, name string, def, limit int) (int, *osswire.Error) {
	v, ok := q[name]
	if !ok || v[0] == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 1 || n > limit {
		return 0, osswire.ErrInvalidArgument.
			Msgf("Argument %s must be an integer between 1 and %d.", name, limit).
			With("ArgumentName", name).With("ArgumentValue", v[0])
	}
	return n, nil
}

// parseEncodingType accepts only "url" (or nothing).
func parseEncodingType(q url.Values) (bool, *osswire.Error) {
	switch v := q.Get("encoding-type"); v {
	case "":
		return false, nil
	case "url":
		return true, nil
	default:
		return false, osswire.ErrInvalidArgument.Msgf("The encoding-type you specified is not valid.").
			With("ArgumentName", "encoding-type").With("ArgumentValue", v)
	}
}

// location is the bucket location OSS reports: "oss-<region>".
func (h *Handler) location() string { return "oss-" + h.region }

func storageClassOr(s string) string {
	if s == "" {
		return "Standard"
	}
	return s
}

func aclOr(s string) string {
	if s == "" {
		return aclPrivate
	}
	return s
}

func (h *Handler) listBuckets(w http.ResponseWriter, r *http.Request, st *reqState) error {
	if st.anonymous() {
		return osswire.ErrAnonymousDenied
	}
	q := r.URL.Query()
	prefix, marker := q.Get("prefix"), q.Get("marker")
	if !validBucketPrefix(prefix) {
		return osswire.ErrInvalidArgument.Msgf("The prefix you specified is not valid.").
			With("ArgumentName", "prefix").With("ArgumentValue", prefix)
	}
	maxKeys, ae := parseMaxKeys(q, "max-keys", defaultMaxKeys, maxMaxKeys)
	if ae != nil {
		return ae
	}
	res, err := h.visibleBuckets(r, st, prefix, marker, maxKeys)
	if err != nil {
		return err
	}
	out := osswire.ListAllMyBucketsResult{
		Prefix: prefix, Marker: marker, MaxKeys: maxKeys,
		IsTruncated: res.IsTruncated, NextMarker: res.NextMarker, Owner: h.owner,
	}
	for _, b := range res.Buckets {
		out.Buckets = append(out.Buckets, osswire.BucketRecord{
			CreationDate:     osswire.ISOTime(b.Created),
			ExtranetEndpoint: st.target.endpoint,
			IntranetEndpoint: st.target.endpoint,
			Location:         h.location(),
			Name:             b.Name,
			Region:           h.region,
			StorageClass:     storageClassOr(b.StorageClass),
		})
	}
	return writeXML(w, out)
}

// visibleBuckets lists the buckets the caller may see: all of them for the
// root key, the granted ones for other keys (paging through the engine's
// listing until a page of maxKeys visible buckets is full).
func (h *Handler) visibleBuckets(r *http.Request, st *reqState, prefix, marker string, maxKeys int) (object.ListBucketsResult, error) {
	ctx := r.Context()
	if st.principal.Root {
		return h.layer.ListBuckets(ctx, object.ListBucketsOptions{Prefix: prefix, Marker: marker, MaxKeys: maxKeys})
	}
	var out object.ListBucketsResult
	grants := st.principal.Grants
	if len(grants) == 0 {
		return out, nil
	}
	for {
		page, err := h.layer.ListBuckets(ctx, object.ListBucketsOptions{Prefix: prefix, Marker: marker, MaxKeys: maxMaxKeys})
		if err != nil {
			return out, err
		}
		for _, b := range page.Buckets {
			if _, ok := grants[b.Name]; !ok {
				continue
			}
			if len(out.Buckets) == maxKeys {
				out.IsTruncated = true
				out.NextMarker = out.Buckets[len(out.Buckets)-1].Name
				return out, nil
			}
			out.Buckets = append(out.Buckets, b)
		}
		if !page.IsTruncated || len(page.Buckets) == 0 {
			return out, nil
		}
		marker = page.Buckets[len(page.Buckets)-1].Name
	}
}

// readXMLBody reads a small XML request body whole, refusing bodies larger
// than the handler's cap and bodies that do not match their Content-MD5.
func (h *Handler) readXMLBody(r *http.Request, st *reqState) ([]byte, error) {
	sum, ae := parseContentMD5(r.Header)
	if ae != nil {
		return nil, ae
	}
	if r.ContentLength > h.maxXML {
		return nil, osswire.ErrMalformedXML.Msgf("The XML you provided was larger than the maximum of %d bytes.", h.maxXML)
	}
	b, err := io.ReadAll(io.LimitReader(st.payload(r.Body), h.maxXML+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", object.ErrBodyRead, err)
	}
	if int64(len(b)) > h.maxXML {
		return nil, osswire.ErrMalformedXML.Msgf("The XML you provided was larger than the maximum of %d bytes.", h.maxXML)
	}
	if got := md5.Sum(b); sum != nil && !bytes.Equal(got[:], sum) {
		return nil, osswire.ErrInvalidDigest
	}
	return b, nil
}

// validStorageClasses are the storage classes OSS buckets and objects take.
var validStorageClasses = map[string]string{
	"standard": "Standard", "ia": "IA", "archive": "Archive",
	"coldarchive": "ColdArchive", "deepcoldarchive": "DeepColdArchive",
}

// parseCreateBucketConfiguration decodes an optional PutBucket body.
func parseCreateBucketConfiguration(body []byte) (osswire.CreateBucketConfiguration, *osswire.Error) {
	var cfg osswire.CreateBucketConfiguration
	if len(bytes.TrimSpace(body)) == 0 {
		return cfg, nil
	}
	if err := xml.Unmarshal(body, &cfg); err != nil {
		return cfg, osswire.ErrMalformedXML
	}
	if cfg.StorageClass != "" {
		sc, ok := validStorageClasses[strings.ToLower(cfg.StorageClass)]
		if !ok {
			return cfg, osswire.ErrInvalidArgument.Msgf("The storage class you specified is not valid.").
				With("ArgumentName", "StorageClass").With("ArgumentValue", cfg.StorageClass)
		}
		cfg.StorageClass = sc
	}
	switch cfg.DataRedundancyType {
	case "", "LRS", "ZRS":
	default:
		return cfg, osswire.ErrInvalidArgument.Msgf("The data redundancy type you specified is not valid.").
			With("ArgumentName", "DataRedundancyType").With("ArgumentValue", cfg.DataRedundancyType)
	}
	return cfg, nil
}

func (h *Handler) putBucket(w http.ResponseWriter, r *http.Request, st *reqState) error {
	acl := r.Header.Get("X-Oss-Acl")
	if acl != "" && !validBucketACL(acl) {
		return osswire.ErrInvalidArgument.Msgf("no such bucket access control exists").
			With("ArgumentName", "x-oss-acl").With("ArgumentValue", acl)
	}
	body, err := h.readXMLBody(r, st)
	if err != nil {
		return err
	}
	cfg, ae := parseCreateBucketConfiguration(body)
	if ae != nil {
		return ae
	}
	err = h.layer.CreateBucket(r.Context(), st.target.bucket, object.BucketOptions{
		ACL:          aclOr(acl),
		StorageClass: storageClassOr(cfg.StorageClass),
	})
	if err != nil {
		if errors.Is(err, object.ErrBucketAlreadyExists) {
			return osswire.ErrBucketAlreadyExists.With("BucketName", st.target.bucket)
		}
		return err
	}
	w.Header().Set("Location", "/"+st.target.bucket)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) deleteBucket(w http.ResponseWriter, r *http.Request, st *reqState) error {
	if err := h.layer.DeleteBucket(r.Context(), st.target.bucket); err != nil {
		return bucketErr(err, st.target.bucket)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// bucketErr adds the bucket name to the errors about a bucket, as OSS does.
func bucketErr(err error, bucket string) error {
	ae := toAPIError(err)
	switch ae.Code {
	case osswire.ErrNoSuchBucket.Code, osswire.ErrBucketNotEmpty.Code:
		return ae.With("BucketName", bucket)
	}
	return ae
}

func (h *Handler) getBucket(r *http.Request, st *reqState) (object.BucketInfo, error) {
	b, err := h.layer.GetBucket(r.Context(), st.target.bucket)
	if err != nil {
		return b, bucketErr(err, st.target.bucket)
	}
	return b, nil
}

func (h *Handler) getBucketInfo(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, err := h.getBucket(r, st)
	if err != nil {
		return err
	}
	return writeXML(w, osswire.BucketInfoResult{Bucket: osswire.BucketInfoDetail{
		AccessMonitor:          "Disabled",
		CreationDate:           osswire.ISOTime(b.Created),
		ExtranetEndpoint:       st.target.endpoint,
		IntranetEndpoint:       st.target.endpoint,
		Location:               h.location(),
		StorageClass:           storageClassOr(b.StorageClass),
		TransferAcceleration:   "Disabled",
		CrossRegionReplication: "Disabled",
		DataRedundancyType:     "LRS",
		Name:                   b.Name,
		Region:                 h.region,
		Owner:                  h.owner,
		ACL:                    aclOr(b.ACL),
		SSERule:                osswire.SSERule{SSEAlgorithm: "None"},
	}})
}

func (h *Handler) headBucket(w http.ResponseWriter, r *http.Request, st *reqState) error {
	if _, err := h.getBucket(r, st); err != nil {
		return err
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) getBucketLocation(w http.ResponseWriter, r *http.Request, st *reqState) error {
	if _, err := h.getBucket(r, st); err != nil {
		return err
	}
	return writeXML(w, osswire.LocationConstraint{Value: h.location()})
}

func (h *Handler) getBucketACL(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, err := h.getBucket(r, st)
	if err != nil {
		return err
	}
	return writeXML(w, osswire.AccessControlPolicy{Owner: h.owner, Grant: aclOr(b.ACL)})
}

func (h *Handler) getBucketStat(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, err := h.getBucket(r, st)
	if err != nil {
		return err
	}
	return writeXML(w, osswire.BucketStat{
		Storage: b.Bytes, ObjectCount: b.Objects,
		StandardStorage: b.Bytes, StandardObjectCount: b.Objects,
		LastModifiedTime: st.rec.Start.Unix(),
	})
}

// kossd has no multipart uploads, versions or live channels yet: the
// listings below are the valid empty answers for a bucket without them.

func (h *Handler) listMultipartUploads(w http.ResponseWriter, r *http.Request, st *reqState) error {
	q := r.URL.Query()
	encode, ae := parseEncodingType(q)
	if ae != nil {
		return ae
	}
	maxUploads, ae := parseMaxKeys(q, "max-uploads", maxMaxKeys, maxMaxKeys)
	if ae != nil {
		return ae
	}
	if _, err := h.getBucket(r, st); err != nil {
		return err
	}
	out := osswire.ListMultipartUploadsResult{
		Bucket: st.target.bucket, KeyMarker: q.Get("key-marker"), UploadIDMarker: q.Get("upload-id-marker"),
		Delimiter: q.Get("delimiter"), Prefix: q.Get("prefix"), MaxUploads: maxUploads,
	}
	if encode {
		out.EncodingType = "url"
		out.KeyMarker, out.Delimiter, out.Prefix = osswire.URLEncode(out.KeyMarker), osswire.URLEncode(out.Delimiter), osswire.URLEncode(out.Prefix)
	}
	return writeXML(w, out)
}

func (h *Handler) listObjectVersions(w http.ResponseWriter, r *http.Request, st *reqState) error {
	q := r.URL.Query()
	encode, ae := parseEncodingType(q)
	if ae != nil {
		return ae
	}
	maxKeys, ae := parseMaxKeys(q, "max-keys", defaultMaxKeys, maxMaxKeys)
	if ae != nil {
		return ae
	}
	if _, err := h.getBucket(r, st); err != nil {
		return err
	}
	out := osswire.ListVersionsResult{
		Name: st.target.bucket, Prefix: q.Get("prefix"), KeyMarker: q.Get("key-marker"),
		VersionIDMarker: q.Get("version-id-marker"), MaxKeys: maxKeys, Delimiter: q.Get("delimiter"),
	}
	if encode {
		out.EncodingType = "url"
		out.Prefix, out.KeyMarker, out.Delimiter = osswire.URLEncode(out.Prefix), osswire.URLEncode(out.KeyMarker), osswire.URLEncode(out.Delimiter)
	}
	return writeXML(w, out)
}

func (h *Handler) listLiveChannel(w http.ResponseWriter, r *http.Request, st *reqState) error {
	q := r.URL.Query()
	maxKeys, ae := parseMaxKeys(q, "max-keys", defaultMaxKeys, maxMaxKeys)
	if ae != nil {
		return ae
	}
	if _, err := h.getBucket(r, st); err != nil {
		return err
	}
	return writeXML(w, osswire.ListLiveChannelResult{Prefix: q.Get("prefix"), Marker: q.Get("marker"), MaxKeys: maxKeys})
}

func (h *Handler) listCname(w http.ResponseWriter, r *http.Request, st *reqState) error {
	if _, err := h.getBucket(r, st); err != nil {
		return err
	}
	return writeXML(w, osswire.ListCnameResult{Bucket: st.target.bucket, Owner: h.owner.ID})
}

// bucketDocument answers a bucket configuration read with a fixed document:
// the configuration kossd has for every bucket.
func bucketDocument(doc any) handlerFunc {
	return func(h *Handler, w http.ResponseWriter, r *http.Request, st *reqState) error {
		if _, err := h.getBucket(r, st); err != nil {
			return err
		}
		return writeXML(w, doc)
	}
}

// bucketConfigError answers a bucket configuration read with OSS's "no such
// configuration" error, once the bucket is known to exist.
func bucketConfigError(e *osswire.Error) handlerFunc {
	return func(h *Handler, w http.ResponseWriter, r *http.Request, st *reqState) error {
		if _, err := h.getBucket(r, st); err != nil {
			return err
		}
		return e.With("BucketName", st.target.bucket)
	}
}

// deleteBucketConfig deletes a configuration that cannot exist: 204 once the
// bucket is known to exist, as OSS answers deleting an absent configuration.
func (h *Handler) deleteBucketConfig(w http.ResponseWriter, r *http.Request, st *reqState) error {
	if _, err := h.getBucket(r, st); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
