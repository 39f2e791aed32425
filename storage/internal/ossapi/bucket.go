package ossapi

import (
	"errors"
	"net/http"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osserr"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// location is the bucket location OSS reports: "oss-<region>".
func (h *Handler) location() string { return "oss-" + h.region }

func (h *Handler) listBuckets(w http.ResponseWriter, r *http.Request, st *reqState) error {
	if st.anonymous() {
		return osswire.ErrAnonymousDenied
	}
	p, ae := osswire.ParseListBuckets(r.URL.Query())
	if ae != nil {
		return ae
	}
	res, err := h.visibleBuckets(r, st, p.Prefix, p.Marker, p.MaxKeys)
	if err != nil {
		return err
	}
	out := osswire.ListAllMyBucketsResult{
		Prefix: p.Prefix, Marker: p.Marker, MaxKeys: p.MaxKeys,
		IsTruncated: res.IsTruncated, NextMarker: res.NextMarker, Owner: h.owner,
	}
	for _, b := range res.Buckets {
		out.Buckets = append(out.Buckets, osswire.BucketRecord{
			CreationDate:     osswire.ISOTime(b.Created),
			ExtranetEndpoint: h.extranetEndpoint(st),
			IntranetEndpoint: h.intranetEndpoint(st),
			Location:         h.location(),
			Name:             b.Name,
			Region:           h.region,
			StorageClass:     osswire.StorageClassOr(b.StorageClass),
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
		page, err := h.layer.ListBuckets(ctx, object.ListBucketsOptions{Prefix: prefix, Marker: marker, MaxKeys: osswire.MaxMaxKeys})
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

func (h *Handler) putBucket(w http.ResponseWriter, r *http.Request, st *reqState) error {
	acl, ae := osswire.ParseBucketACL(r.Header)
	if ae != nil {
		return ae
	}
	body, err := h.readXMLBody(r, st)
	if err != nil {
		return err
	}
	cfg, ae := osswire.ParseCreateBucketConfiguration(body)
	if ae != nil {
		return ae
	}
	err = h.layer.CreateBucket(r.Context(), st.target.bucket, object.BucketOptions{
		ACL:          acl,
		StorageClass: osswire.StorageClassOr(cfg.StorageClass),
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
		return osserr.Bucket(err, st.target.bucket)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) getBucket(r *http.Request, st *reqState) (object.BucketInfo, error) {
	b, err := h.layer.GetBucket(r.Context(), st.target.bucket)
	if err != nil {
		return b, osserr.Bucket(err, st.target.bucket)
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
		ExtranetEndpoint:       h.extranetEndpoint(st),
		IntranetEndpoint:       h.intranetEndpoint(st),
		Location:               h.location(),
		StorageClass:           osswire.StorageClassOr(b.StorageClass),
		TransferAcceleration:   "Disabled",
		CrossRegionReplication: "Disabled",
		DataRedundancyType:     "LRS",
		Name:                   b.Name,
		Region:                 h.region,
		Owner:                  h.owner,
		ACL:                    osswire.ACLOr(b.ACL),
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

// kossd has no versions or live channels yet: the listings below are the valid empty answers for a bucket without them.

// listObjectVersions lists a bucket's objects as their versions. Buckets
// never have versioning here, so each object is one version, "null" and
// the latest, and there are no delete markers: tools that clean a bucket
// through its versions (ossutil rm --all-versions, SDK helpers) see what
// is there. key-marker starts after a key; a version-id-marker can only
// name that key's one version, so it changes nothing.
func (h *Handler) listObjectVersions(w http.ResponseWriter, r *http.Request, st *reqState) error {
	q := r.URL.Query()
	p, ae := osswire.ParseListParams(q)
	if ae != nil {
		return ae
	}
	keyMarker := q.Get("key-marker")
	res, err := h.layer.ListObjects(r.Context(), st.target.bucket, object.ListOptions{
		Prefix: p.Prefix, Delimiter: p.Delimiter, Marker: keyMarker, MaxKeys: p.MaxKeys,
	})
	if err != nil {
		return osserr.Bucket(err, st.target.bucket)
	}
	out := osswire.ListVersionsResult{
		Name: st.target.bucket, Prefix: p.Enc(p.Prefix), KeyMarker: p.Enc(keyMarker),
		VersionIDMarker: q.Get("version-id-marker"), MaxKeys: p.MaxKeys, Delimiter: p.Enc(p.Delimiter),
		IsTruncated: res.IsTruncated, EncodingType: p.EncodingType(),
		Versions:       osswire.VersionRecords(p, res.Objects, h.owner),
		CommonPrefixes: osswire.PrefixRecords(p, res.CommonPrefixes),
	}
	if res.IsTruncated {
		out.NextKeyMarker, out.NextVersionIDMarker = p.Enc(res.NextMarker), osswire.NullVersion
	}
	return writeXML(w, out)
}

func (h *Handler) listLiveChannel(w http.ResponseWriter, r *http.Request, st *reqState) error {
	q := r.URL.Query()
	maxKeys, ae := osswire.ParseMaxKeys(q, "max-keys", osswire.DefaultMaxKeys, osswire.MaxMaxKeys)
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

// intranetEndpoint and extranetEndpoint are the endpoints a bucket is
// reported at: the configured ones, else the host the request addressed
// (clients match them against the endpoint they were configured with).
func (h *Handler) intranetEndpoint(st *reqState) string {
	if h.intranet != "" {
		return h.intranet
	}
	return st.target.endpoint
}

func (h *Handler) extranetEndpoint(st *reqState) string {
	if h.extranet != "" {
		return h.extranet
	}
	return st.target.endpoint
}
