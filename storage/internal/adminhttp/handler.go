package adminhttp

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/httpapi"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/session"
)

// Verifier authenticates requests; *auth.Verifier implements it.
type Verifier interface {
	Authenticate(ctx context.Context, r *http.Request, bucket, key string) (auth.Result, error)
}

// Config configures a Handler. All fields but Logger are required.
type Config struct {
	Layer    object.Layer
	Keys     object.KeyStore
	Verifier Verifier
	// RootAccessKeyID is the Region's root key, which may not be
	// registered as an ordinary key.
	RootAccessKeyID string
	// ClusterStatus reports the cluster as this node sees it.
	ClusterStatus func(ctx context.Context) (adminapi.ClusterStatus, error)
	// Members changes the cluster's membership.
	Members Membership
	// Sessions issues temporary credentials and Lookup finds the keys
	// they are issued for; both nil turns POST /keys/{id}/sessions off.
	Sessions *session.Sessions
	Lookup   auth.KeyLookup
	// Logger records administrative changes and the cause of every 5xx;
	// nil discards.
	Logger *slog.Logger
}

// Membership changes the members of the cluster. Errors wrap the
// sentinels of the packages they come from (object, consensus), which the
// error table maps.
type Membership interface {
	// AddMember adds node id, reachable by its peers at peerAddress, as a
	// voting member; adding it again with the same address succeeds.
	AddMember(ctx context.Context, id, peerAddress string) error
	// RemoveMember removes a member; removing an absent one succeeds.
	RemoveMember(ctx context.Context, id string) error
	// DrainMember re-places the member's data on the others and returns
	// how many objects still have a copy only there.
	DrainMember(ctx context.Context, id string) (int64, error)
}

// Handler serves the admin API under adminapi.PathPrefix.
type Handler struct {
	layer   object.Layer
	keys    object.KeyStore
	verify  Verifier
	rootKey string
	cluster func(ctx context.Context) (adminapi.ClusterStatus, error)
	members Membership
	sess    *session.Sessions
	lookup  auth.KeyLookup
	log     *slog.Logger
	mux     *http.ServeMux
}

// New returns a Handler for cfg.
func New(cfg Config) (*Handler, error) {
	var errs []error
	if cfg.Layer == nil {
		errs = append(errs, errors.New("adminhttp: Layer is required"))
	}
	if cfg.Keys == nil {
		errs = append(errs, errors.New("adminhttp: Keys is required"))
	}
	if cfg.Verifier == nil {
		errs = append(errs, errors.New("adminhttp: Verifier is required"))
	}
	if cfg.RootAccessKeyID == "" {
		errs = append(errs, errors.New("adminhttp: RootAccessKeyID is required"))
	}
	if cfg.ClusterStatus == nil {
		errs = append(errs, errors.New("adminhttp: ClusterStatus is required"))
	}
	if cfg.Members == nil {
		errs = append(errs, errors.New("adminhttp: Members is required"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{
		layer: cfg.Layer, keys: cfg.Keys, verify: cfg.Verifier, rootKey: cfg.RootAccessKeyID,
		cluster: cfg.ClusterStatus, members: cfg.Members, sess: cfg.Sessions, lookup: cfg.Lookup, log: log,
	}
	h.routes()
	return h, nil
}

// routes registers every operation of the admin API. Wildcards are
// unescaped by the mux.
func (h *Handler) routes() {
	h.mux = http.NewServeMux()
	ops := []struct {
		pattern, name string
		fn            func(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte) error
	}{
		{"POST " + adminapi.PathKeys, "CreateKey", h.createKey},
		{"GET " + adminapi.PathKeys, "ListKeys", h.listKeys},
		{"GET " + adminapi.PathKeys + "/{id}", "GetKey", h.getKey},
		{"DELETE " + adminapi.PathKeys + "/{id}", "DeleteKey", h.deleteKey},
		{"PUT " + adminapi.PathKeys + "/{id}/grants", "SetGrants", h.setGrants},
		{"POST " + adminapi.PathKeys + "/{id}/sessions", "IssueSession", h.issueSession},
		{"GET " + adminapi.PathBuckets, "ListBuckets", h.listBuckets},
		{"PUT " + adminapi.PathBuckets + "/{name}", "CreateBucket", h.createBucket},
		{"GET " + adminapi.PathBuckets + "/{name}", "GetBucket", h.getBucket},
		{"DELETE " + adminapi.PathBuckets + "/{name}", "DeleteBucket", h.deleteBucket},
		{"PUT " + adminapi.PathBuckets + "/{name}/acl", "SetBucketACL", h.setBucketACL},
		{"PUT " + adminapi.PathBuckets + "/{name}/tags", "SetBucketTags", h.setBucketTags},
		{"PUT " + adminapi.PathBuckets + "/{name}/cors", "SetBucketCORS", h.setBucketCORS},
		{"PUT " + adminapi.PathBuckets + "/{name}/lifecycle", "SetBucketLifecycle", h.setBucketLifecycle},
		{"DELETE " + adminapi.PathBuckets + "/{name}/uploads", "AbortBucketUploads", h.abortUploads},
		{"GET " + adminapi.PathCluster, "GetCluster", h.getCluster},
		{"POST " + adminapi.PathMembers, "AddMember", h.addMember},
		{"DELETE " + adminapi.PathMembers + "/{id}", "RemoveMember", h.removeMember},
		{"POST " + adminapi.PathMembers + "/{id}/drain", "DrainMember", h.drainMember},
	}
	for _, op := range ops {
		h.mux.HandleFunc(op.pattern, func(w http.ResponseWriter, r *http.Request) {
			httpapi.RecordOf(r).Operation = op.name
			h.serve(w, r, op.fn)
		})
	}
}

// maxBody bounds request bodies (a key with many grants is a few KiB).
const maxBody = 1 << 20

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := h.mux.Handler(r); pattern == "" {
		// Answer what the mux would, in the admin API's JSON form.
		h.fail(w, r, h.unrouted(r))
		return
	}
	h.mux.ServeHTTP(w, r)
}

// unrouted tells a path the API has, asked with another method (405), from
// a path it does not have (404).
func (h *Handler) unrouted(r *http.Request) error {
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); pattern != "" {
			return &apiError{http.StatusMethodNotAllowed, adminapi.CodeMethodNotAllowed, r.Method + " is not allowed here"}
		}
	}
	return &apiError{http.StatusNotFound, adminapi.CodeNotFound, "no such admin resource"}
}

// serve authenticates a request (root key only), reads its body and runs
// fn.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, fn func(context.Context, http.ResponseWriter, *http.Request, []byte) error) {
	ctx := object.NewReadView(r.Context())
	// The canonical resource of an admin request is its path: "/-/" + the rest.
	res, err := h.verify.Authenticate(ctx, r, "-", strings.TrimPrefix(r.URL.Path, "/-/"))
	if err == nil {
		httpapi.RecordOf(r).AccessKeyID = res.Principal.AccessKeyID
	}
	if err != nil || !res.Principal.Root {
		h.fail(w, r, &apiError{http.StatusForbidden, adminapi.CodeUnauthorized, "the admin API requires the root access key"})
		return
	}
	body, err := readBody(r)
	if err == nil {
		err = fn(ctx, w, r, body)
	}
	if err != nil {
		h.fail(w, r, err)
	}
}

// fail answers err and records it for the access log.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	ae := toAPIError(err)
	rec := httpapi.RecordOf(r)
	rec.Code = ae.code
	if ae.status >= 500 {
		rec.Err = err
	}
	writeError(w, ae)
}

func (h *Handler) getCluster(ctx context.Context, w http.ResponseWriter, _ *http.Request, _ []byte) error {
	s, err := h.cluster(ctx)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s)
}

// readBody reads a request body under the size cap and checks it against
// its Content-MD5.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, badRequest("reading the request body failed")
	}
	if len(b) > maxBody {
		return nil, badRequest("request body too large")
	}
	if v := r.Header.Get("Content-MD5"); v != "" {
		want, err := base64.StdEncoding.DecodeString(v)
		got := md5.Sum(b)
		if err != nil || !bytes.Equal(want, got[:]) {
			return nil, badRequest("the body does not match its Content-MD5")
		}
	}
	return b, nil
}

func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("malformed JSON body: " + err.Error())
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return nil
}

func writeError(w http.ResponseWriter, e *apiError) {
	_ = writeJSON(w, e.status, adminapi.Error{Code: e.code, Message: e.message})
}

func toGrants(in []adminapi.Grant) (map[string]object.Access, error) {
	out := make(map[string]object.Access, len(in))
	for _, g := range in {
		if object.ValidBucketName(g.Bucket) != nil {
			return nil, badRequest("grant: invalid bucket name " + strconvQuote(g.Bucket))
		}
		a := object.Access(g.Access)
		if !a.Valid() {
			return nil, badRequest("grant: access must be read, write or readwrite, not " + strconvQuote(string(g.Access)))
		}
		if _, dup := out[g.Bucket]; dup {
			return nil, badRequest("grant: bucket " + g.Bucket + " appears twice")
		}
		out[g.Bucket] = a
	}
	return out, nil
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func fromKey(k object.AccessKey) adminapi.AccessKey {
	out := adminapi.AccessKey{AccessKeyID: k.ID, Grants: []adminapi.Grant{}, Created: k.Created.UTC()}
	for b, a := range k.Grants {
		out.Grants = append(out.Grants, adminapi.Grant{Bucket: b, Access: adminapi.Access(a)})
	}
	sort.Slice(out.Grants, func(i, j int) bool { return out.Grants[i].Bucket < out.Grants[j].Bucket })
	return out
}

// issueSession issues temporary credentials for a key (the root key
// included): nothing is stored, the token is the session (session.Sessions).
func (h *Handler) issueSession(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte) error {
	if h.sess == nil || h.lookup == nil {
		return &apiError{http.StatusNotImplemented, adminapi.CodeNotImplemented, "this node issues no temporary credentials"}
	}
	var req adminapi.SessionRequest
	if err := decode(body, &req); err != nil {
		return err
	}
	id := r.PathValue("id")
	parent, err := h.lookup.LookupKey(ctx, id)
	if errors.Is(err, auth.ErrInvalidAccessKeyID) {
		return &apiError{http.StatusNotFound, adminapi.CodeNotFound, "no access key " + id}
	}
	if err != nil {
		return err
	}
	var grants map[string]object.Access
	if len(req.Grants) > 0 {
		if grants, err = toGrants(req.Grants); err != nil {
			return err
		}
	}
	sess, token, err := h.sess.Issue(session.Request{
		ParentID: id, ParentSecret: parent.Secret, Grants: grants,
		Duration: time.Duration(req.DurationSeconds) * time.Second, Name: req.Name,
	}, time.Now())
	if errors.Is(err, session.ErrInvalidRequest) {
		return badRequest(err.Error())
	}
	if err != nil {
		return err
	}
	h.log.Info("Issued temporary credentials", "accessKeyId", sess.AccessKeyID, "parent", id, "expiration", sess.Expiration())
	return writeJSON(w, http.StatusOK, adminapi.Credentials{
		AccessKeyID: sess.AccessKeyID, AccessKeySecret: sess.Secret, SecurityToken: token, Expiration: sess.Expiration(),
	})
}

func (h *Handler) createKey(ctx context.Context, w http.ResponseWriter, _ *http.Request, body []byte) error {
	var req adminapi.CreateKeyRequest
	if err := decode(body, &req); err != nil {
		return err
	}
	if req.AccessKeyID == "" || req.AccessKeySecret == "" {
		// The server completes what the caller left out.
		id, secret, err := adminapi.NewAccessKey(adminapi.AccessKeyIDPrefix)
		if err != nil {
			return err
		}
		if req.AccessKeyID == "" {
			req.AccessKeyID = id
		}
		if req.AccessKeySecret == "" {
			req.AccessKeySecret = secret
		}
	}
	if !adminapi.ValidAccessKeyID(req.AccessKeyID) {
		return badRequest("accessKeyId must be 1-128 characters of [A-Za-z0-9._-]")
	}
	if !adminapi.ValidAccessKeySecret(req.AccessKeySecret) {
		return badRequest("accessKeySecret must be 8-256 printable ASCII characters without spaces")
	}
	if req.AccessKeyID == h.rootKey {
		return &apiError{http.StatusConflict, adminapi.CodeKeyConflict, "the root access key id cannot be registered"}
	}
	grants, err := toGrants(req.Grants)
	if err != nil {
		return err
	}
	h.log.Info("Creating access key", "accessKeyId", req.AccessKeyID, "grants", len(grants))
	k, err := h.keys.CreateKey(ctx, object.AccessKey{ID: req.AccessKeyID, Secret: req.AccessKeySecret, Grants: grants})
	if err != nil {
		return err
	}
	out := fromKey(k)
	out.AccessKeySecret = req.AccessKeySecret
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) getKey(ctx context.Context, w http.ResponseWriter, r *http.Request, _ []byte) error {
	k, err := h.keys.GetKey(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, fromKey(k))
}

func (h *Handler) listKeys(ctx context.Context, w http.ResponseWriter, _ *http.Request, _ []byte) error {
	keys, err := h.keys.ListKeys(ctx)
	if err != nil {
		return err
	}
	out := adminapi.KeyList{Keys: []adminapi.AccessKey{}}
	for _, k := range keys {
		out.Keys = append(out.Keys, fromKey(k))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) setGrants(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte) error {
	id := r.PathValue("id")
	var req adminapi.SetGrantsRequest
	if err := decode(body, &req); err != nil {
		return err
	}
	grants, err := toGrants(req.Grants)
	if err != nil {
		return err
	}
	h.log.Info("Setting access key grants", "accessKeyId", id, "grants", len(grants))
	k, err := h.keys.SetGrants(ctx, id, grants)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, fromKey(k))
}

func (h *Handler) deleteKey(ctx context.Context, w http.ResponseWriter, r *http.Request, _ []byte) error {
	id := r.PathValue("id")
	h.log.Info("Deleting access key", "accessKeyId", id)
	if err := h.keys.DeleteKey(ctx, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func fromBucket(b object.BucketInfo) adminapi.Bucket {
	return adminapi.Bucket{
		Name: b.Name, Owner: b.Owner, Created: b.Created.UTC(), ACL: b.ACL, StorageClass: b.StorageClass,
		Objects: b.Objects, Bytes: b.Bytes, Tags: b.Tags, CORS: fromCORS(b.CORS),
		Lifecycle: fromLifecycle(b.Lifecycle),
	}
}

// fromLifecycle is the admin API's form of a bucket's lifecycle
// configuration (nil when none).
func fromLifecycle(c *object.LifecycleConfiguration) *adminapi.Lifecycle {
	if c == nil {
		return nil
	}
	out := &adminapi.Lifecycle{Rules: make([]adminapi.LifecycleRule, len(c.Rules))}
	for i, r := range c.Rules {
		out.Rules[i] = adminapi.LifecycleRule{
			ID: r.ID, Prefix: r.Prefix, Enabled: r.Enabled, Tags: r.Tags,
			Expiration: fromLifecycleAction(r.Expiration), AbortUpload: fromLifecycleAction(r.AbortUpload),
		}
	}
	return out
}

func fromLifecycleAction(a object.LifecycleAction) *adminapi.LifecycleAction {
	if a.IsZero() {
		return nil
	}
	out := &adminapi.LifecycleAction{Days: a.Days}
	if !a.Date.IsZero() {
		t := a.Date.UTC()
		out.Date = &t
	}
	if !a.CreatedBefore.IsZero() {
		t := a.CreatedBefore.UTC()
		out.CreatedBeforeDate = &t
	}
	return out
}

// toLifecycle is the object layer's form of a requested lifecycle
// configuration: nil (remove it) when there are no rules. It refuses what
// the object layer takes but OSS's documents cannot say: an action without
// a time or with two, a date not at midnight UTC.
func toLifecycle(c adminapi.Lifecycle) (*object.LifecycleConfiguration, error) {
	if len(c.Rules) == 0 {
		return nil, nil
	}
	out := &object.LifecycleConfiguration{Rules: make([]object.LifecycleRule, len(c.Rules))}
	for i, r := range c.Rules {
		out.Rules[i] = object.LifecycleRule{ID: r.ID, Prefix: r.Prefix, Enabled: r.Enabled, Tags: r.Tags}
		for _, a := range []struct {
			name string
			in   *adminapi.LifecycleAction
			out  *object.LifecycleAction
		}{{"expiration", r.Expiration, &out.Rules[i].Expiration}, {"abortUpload", r.AbortUpload, &out.Rules[i].AbortUpload}} {
			if a.in == nil {
				continue
			}
			n := 0
			if a.in.Days != 0 {
				n++
				if a.in.Days < 1 {
					return nil, badRequest(fmt.Sprintf("rule %d: %s days %d, want a positive number", i+1, a.name, a.in.Days))
				}
				a.out.Days = a.in.Days
			}
			for _, d := range []struct {
				v   *time.Time
				dst *time.Time
			}{{a.in.Date, &a.out.Date}, {a.in.CreatedBeforeDate, &a.out.CreatedBefore}} {
				if d.v == nil {
					continue
				}
				n++
				if _, offset := d.v.Zone(); offset != 0 || !d.v.Equal(d.v.Truncate(24*time.Hour)) {
					return nil, badRequest(fmt.Sprintf("rule %d: %s date %s is not at midnight UTC", i+1, a.name, d.v.Format(time.RFC3339)))
				}
				*d.dst = d.v.UTC()
			}
			if n != 1 {
				return nil, badRequest(fmt.Sprintf("rule %d: %s takes exactly one of days, date and createdBeforeDate", i+1, a.name))
			}
		}
	}
	return out, nil
}

// fromCORS is the admin API's form of a bucket's CORS configuration (nil
// when none).
func fromCORS(c *object.CORSConfiguration) *adminapi.CORS {
	if c == nil {
		return nil
	}
	out := &adminapi.CORS{ResponseVary: c.ResponseVary, Rules: make([]adminapi.CORSRule, len(c.Rules))}
	for i, r := range c.Rules {
		out.Rules[i] = adminapi.CORSRule{
			AllowedOrigins: r.AllowedOrigins, AllowedMethods: r.AllowedMethods,
			AllowedHeaders: r.AllowedHeaders, ExposeHeaders: r.ExposeHeaders, MaxAgeSeconds: r.MaxAgeSeconds,
		}
	}
	return out
}

// toCORS is the object layer's form of a requested CORS configuration: nil
// (remove it) when there are no rules.
func toCORS(c adminapi.CORS) *object.CORSConfiguration {
	if len(c.Rules) == 0 {
		return nil
	}
	out := &object.CORSConfiguration{ResponseVary: c.ResponseVary, Rules: make([]object.CORSRule, len(c.Rules))}
	for i, r := range c.Rules {
		out.Rules[i] = object.CORSRule{
			AllowedOrigins: r.AllowedOrigins, AllowedMethods: r.AllowedMethods,
			AllowedHeaders: r.AllowedHeaders, ExposeHeaders: r.ExposeHeaders, MaxAgeSeconds: r.MaxAgeSeconds,
		}
	}
	return out
}

func (h *Handler) createBucket(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte) error {
	name := r.PathValue("name")
	var req adminapi.CreateBucketRequest
	if err := decode(body, &req); err != nil {
		return err
	}
	if object.ValidBucketName(name) != nil {
		return badRequest("invalid bucket name " + strconvQuote(name) + ": 3-63 characters of [a-z0-9-], not starting or ending with -")
	}
	if !object.ValidBucketACL(req.ACL) {
		return badRequest("acl must be private, public-read or public-read-write")
	}
	if !object.ValidStorageClass(req.StorageClass) {
		return badRequest("storageClass must be Standard, IA, Archive, ColdArchive or DeepColdArchive")
	}
	h.log.Info("Creating bucket", "bucket", name, "owner", req.Owner)
	opts := object.BucketOptions{ACL: req.ACL, StorageClass: req.StorageClass, Owner: req.Owner}
	if err := h.layer.CreateBucket(ctx, name, opts); err != nil {
		return err
	}
	return h.writeBucket(ctx, w, name)
}

// setBucketACL replaces a bucket's canned ACL (OSS PutBucketAcl, for the
// operator, which keeps the ACL its Bucket object declares).
func (h *Handler) setBucketACL(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte) error {
	name := r.PathValue("name")
	var req adminapi.SetBucketACLRequest
	if err := decode(body, &req); err != nil {
		return err
	}
	// Unlike at creation, an empty ACL means nothing here: it is refused, not
	// taken for private.
	if req.ACL == "" || !object.ValidBucketACL(req.ACL) {
		return badRequest("acl must be private, public-read or public-read-write, not " + strconvQuote(req.ACL))
	}
	h.log.Info("Setting bucket ACL", "bucket", name, "acl", req.ACL)
	if err := h.layer.SetBucketACL(ctx, name, req.ACL); err != nil {
		return err
	}
	return h.writeBucket(ctx, w, name)
}

// setBucketTags replaces a bucket's tags as a whole (OSS PutBucketTags, or
// DeleteBucketTags for an empty set). The object layer judges the tags, so
// that the admin API and both dialects refuse exactly the same sets.
func (h *Handler) setBucketTags(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte) error {
	name := r.PathValue("name")
	var req adminapi.SetBucketTagsRequest
	if err := decode(body, &req); err != nil {
		return err
	}
	h.log.Info("Setting bucket tags", "bucket", name, "tags", len(req.Tags))
	if err := h.layer.SetBucketTagging(ctx, name, req.Tags); err != nil {
		return err
	}
	return h.writeBucket(ctx, w, name)
}

// setBucketCORS replaces a bucket's CORS configuration as a whole (OSS
// PutBucketCors, or DeleteBucketCors for no rules). The object layer judges
// the rules, so that the admin API and both dialects refuse exactly the
// same configurations.
func (h *Handler) setBucketCORS(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte) error {
	name := r.PathValue("name")
	var req adminapi.SetBucketCORSRequest
	if err := decode(body, &req); err != nil {
		return err
	}
	if len(req.Rules) == 0 && req.ResponseVary {
		// Nothing would keep it: removing the rules removes the configuration.
		return badRequest("responseVary needs at least one rule")
	}
	h.log.Info("Setting bucket CORS", "bucket", name, "rules", len(req.Rules))
	if err := h.layer.SetBucketCors(ctx, name, toCORS(req.CORS)); err != nil {
		return err
	}
	return h.writeBucket(ctx, w, name)
}

// setBucketLifecycle replaces a bucket's lifecycle configuration as a
// whole (OSS PutBucketLifecycle, or DeleteBucketLifecycle for no rules).
// The object layer judges the rules (object.CheckLifecycle), as it does
// for both dialects; overlapping prefixes are allowed, as OSS allows them
// with x-oss-allow-same-action-overlap.
func (h *Handler) setBucketLifecycle(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte) error {
	name := r.PathValue("name")
	var req adminapi.SetBucketLifecycleRequest
	if err := decode(body, &req); err != nil {
		return err
	}
	cfg, err := toLifecycle(req.Lifecycle)
	if err != nil {
		return err
	}
	h.log.Info("Setting bucket lifecycle", "bucket", name, "rules", len(req.Rules))
	if err := h.layer.SetBucketLifecycle(ctx, name, cfg); err != nil {
		return err
	}
	return h.writeBucket(ctx, w, name)
}

func (h *Handler) getBucket(ctx context.Context, w http.ResponseWriter, r *http.Request, _ []byte) error {
	return h.writeBucket(ctx, w, r.PathValue("name"))
}

// writeBucket answers a bucket's record with its size, read at once.
func (h *Handler) writeBucket(ctx context.Context, w http.ResponseWriter, name string) error {
	b, err := h.layer.GetBucket(ctx, name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, fromBucket(b))
}

func (h *Handler) listBuckets(ctx context.Context, w http.ResponseWriter, _ *http.Request, _ []byte) error {
	out := adminapi.BucketList{Buckets: []adminapi.Bucket{}}
	marker := ""
	for {
		page, err := h.layer.ListBuckets(ctx, object.ListBucketsOptions{Marker: marker, MaxKeys: 1000})
		if err != nil {
			return err
		}
		for _, b := range page.Buckets {
			out.Buckets = append(out.Buckets, fromBucket(b))
		}
		if !page.IsTruncated || len(page.Buckets) == 0 {
			break
		}
		marker = page.Buckets[len(page.Buckets)-1].Name
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) deleteBucket(ctx context.Context, w http.ResponseWriter, r *http.Request, _ []byte) error {
	name := r.PathValue("name")
	h.log.Info("Deleting bucket", "bucket", name)
	if err := h.layer.DeleteBucket(ctx, name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// abortUploads aborts every open multipart upload of a bucket, so that a
// bucket to be deleted is not held by parts no one will complete (they
// count as content: DeleteBucket answers BucketNotEmpty while one is open).
// Uploads opened while it runs may survive; the caller repeats.
func (h *Handler) abortUploads(ctx context.Context, w http.ResponseWriter, r *http.Request, _ []byte) error {
	name := r.PathValue("name")
	if _, err := h.layer.GetBucket(ctx, name); err != nil {
		return err
	}
	var out adminapi.AbortUploadsResult
	opts := object.ListUploadsOptions{MaxUploads: object.MaxListUploads}
	for {
		page, err := h.layer.ListUploads(ctx, name, opts)
		if err != nil {
			return err
		}
		for _, u := range page.Uploads {
			err := h.layer.AbortUpload(ctx, name, u.Key, u.UploadID)
			switch {
			case errors.Is(err, object.ErrNoSuchUpload):
				// Completed or aborted by someone else since the listing.
			case err != nil:
				return err
			default:
				out.Aborted++
			}
		}
		if !page.IsTruncated {
			break
		}
		// The markers name the last upload listed, which is gone now;
		// listing after it still resumes in (key, id) order.
		opts.KeyMarker, opts.UploadIDMarker = page.NextKeyMarker, page.NextUploadIDMarker
	}
	if out.Aborted > 0 {
		h.log.Info("Aborted open multipart uploads", "bucket", name, "uploads", out.Aborted)
	}
	return writeJSON(w, http.StatusOK, out)
}
