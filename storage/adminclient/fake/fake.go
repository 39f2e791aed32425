package fake

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

// Client is the fake. The zero value is not usable; call New. It is safe for
// concurrent use.
type Client struct {
	mu      sync.Mutex
	keys    map[string]adminapi.AccessKey
	buckets map[string]adminapi.Bucket
	// uploads counts each bucket's open multipart uploads (SetUploads).
	uploads map[string]int64
	status  adminapi.ClusterStatus
	// drains are the answers DrainMember gives a member, in turn.
	drains map[string][]int64
	// errs fail the next call of a method (FailNext), failing every call of
	// one until it is cleared (Fail).
	errs    map[string]error
	failing map[string]error
	calls   []string
	onCall  func(method string, args ...string)
	now     func() time.Time
	// lifecycleIDs numbers the IDs given to lifecycle rules without one.
	lifecycleIDs int
}

var _ adminclient.Interface = (*Client)(nil)

// New returns an empty fake whose cluster reports one healthy node.
func New() *Client {
	return &Client{
		keys:    map[string]adminapi.AccessKey{},
		buckets: map[string]adminapi.Bucket{},
		uploads: map[string]int64{},
		drains:  map[string][]int64{},
		errs:    map[string]error{},
		failing: map[string]error{},
		now:     time.Now,
		status: adminapi.ClusterStatus{
			NodeID:  "fake-0",
			Members: []adminapi.Member{{ID: "fake-0", Address: "127.0.0.1:9001", State: adminapi.MemberLeader}},
			Leader:  "fake-0",
		},
	}
}

// FailNext makes the next call of the named method (e.g. "CreateBucket")
// return err instead of running.
func (c *Client) FailNext(method string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs[method] = err
}

// Fail makes every call of the named method return err, until Fail(method,
// nil): an outage of one part of the admin API.
func (c *Client) Fail(method string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		delete(c.failing, method)
		return
	}
	c.failing[method] = err
}

// OnCall registers fn to run at the start of every call, before the fake
// takes its lock (so fn may take its time or call the fake), with the
// method's name and its string arguments (ids, names, addresses). Tests use
// it to check what the world looked like when a call was made.
func (c *Client) OnCall(fn func(method string, args ...string)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onCall = fn
}

// SetDrainRemaining sets what DrainMember answers for member id on its next
// calls, one count per call; once they are used up it answers 0.
func (c *Client) SetDrainRemaining(id string, remaining ...int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drains[id] = append([]int64(nil), remaining...)
}

// SetBucketUsage sets the object count and bytes GetBucket reports for an
// existing bucket (a bucket with objects cannot be deleted).
func (c *Client) SetBucketUsage(name string, objects, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.buckets[name]; ok {
		b.Objects, b.Bytes = objects, bytes
		c.buckets[name] = b
	}
}

// SetUploads sets how many open multipart uploads an existing bucket has;
// like kossd, DeleteBucket refuses a bucket with any (ErrBucketNotEmpty)
// until AbortBucketUploads.
func (c *Client) SetUploads(name string, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.buckets[name]; ok {
		c.uploads[name] = n
	}
}

// Uploads returns how many open multipart uploads a bucket has.
func (c *Client) Uploads(name string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.uploads[name]
}

// SetClusterStatus replaces what ClusterStatus reports.
func (c *Client) SetClusterStatus(s adminapi.ClusterStatus) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status = s
}

// Secret returns the stored secret of a key (the real API never returns it
// after creation; tests may want to compare).
func (c *Client) Secret(id string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keys[id]
	return k.AccessKeySecret, ok
}

// Calls returns the methods called so far, in order.
func (c *Client) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

// enter runs the OnCall hook, records a call and returns an injected error,
// with c.mu held.
func (c *Client) enter(method string, args ...string) error {
	c.mu.Lock()
	hook := c.onCall
	c.mu.Unlock()
	if hook != nil {
		hook(method, args...)
	}
	c.mu.Lock()
	c.calls = append(c.calls, method)
	if err, ok := c.errs[method]; ok {
		delete(c.errs, method)
		return err
	}
	return c.failing[method]
}

func validGrants(grants []adminapi.Grant) error {
	seen := map[string]bool{}
	for _, g := range grants {
		if g.Bucket == "" || !g.Access.Valid() || seen[g.Bucket] {
			return fmt.Errorf("grant %+v: %w", g, adminapi.ErrInvalidArgument)
		}
		seen[g.Bucket] = true
	}
	return nil
}

func withoutSecret(k adminapi.AccessKey) adminapi.AccessKey {
	k.AccessKeySecret = ""
	k.Grants = append([]adminapi.Grant{}, k.Grants...)
	return k
}

// CreateAccessKey implements adminclient.Interface.
func (c *Client) CreateAccessKey(_ context.Context, req adminapi.CreateKeyRequest) (adminapi.AccessKey, error) {
	err := c.enter("CreateAccessKey", req.AccessKeyID)
	defer c.mu.Unlock()
	if err != nil {
		return adminapi.AccessKey{}, err
	}
	if err := validGrants(req.Grants); err != nil {
		return adminapi.AccessKey{}, err
	}
	if req.AccessKeyID == "" {
		id, _, _ := adminapi.NewAccessKey(adminapi.AccessKeyIDPrefix) // crypto/rand does not fail on Linux
		req.AccessKeyID = id
	}
	if req.AccessKeySecret == "" {
		_, secret, _ := adminapi.NewAccessKey("")
		req.AccessKeySecret = secret
	}
	k, ok := c.keys[req.AccessKeyID]
	if ok && k.AccessKeySecret != req.AccessKeySecret {
		return adminapi.AccessKey{}, fmt.Errorf("key %s: %w", req.AccessKeyID, adminapi.ErrKeyConflict)
	}
	if !ok {
		k = adminapi.AccessKey{AccessKeyID: req.AccessKeyID, AccessKeySecret: req.AccessKeySecret, Created: c.now().UTC()}
	}
	k.Grants = append([]adminapi.Grant{}, req.Grants...)
	c.keys[k.AccessKeyID] = k
	out := withoutSecret(k)
	out.AccessKeySecret = k.AccessKeySecret
	return out, nil
}

// GetAccessKey implements adminclient.Interface.
func (c *Client) GetAccessKey(_ context.Context, id string) (adminapi.AccessKey, error) {
	err := c.enter("GetAccessKey", id)
	defer c.mu.Unlock()
	if err != nil {
		return adminapi.AccessKey{}, err
	}
	k, ok := c.keys[id]
	if !ok {
		return adminapi.AccessKey{}, fmt.Errorf("key %s: %w", id, adminapi.ErrNotFound)
	}
	return withoutSecret(k), nil
}

// ListAccessKeys implements adminclient.Interface.
func (c *Client) ListAccessKeys(context.Context) ([]adminapi.AccessKey, error) {
	err := c.enter("ListAccessKeys")
	defer c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := make([]adminapi.AccessKey, 0, len(c.keys))
	for _, k := range c.keys {
		out = append(out, withoutSecret(k))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AccessKeyID < out[j].AccessKeyID })
	return out, nil
}

// SetGrants implements adminclient.Interface.
func (c *Client) SetGrants(_ context.Context, id string, grants []adminapi.Grant) (adminapi.AccessKey, error) {
	err := c.enter("SetGrants", id)
	defer c.mu.Unlock()
	if err != nil {
		return adminapi.AccessKey{}, err
	}
	if err := validGrants(grants); err != nil {
		return adminapi.AccessKey{}, err
	}
	k, ok := c.keys[id]
	if !ok {
		return adminapi.AccessKey{}, fmt.Errorf("key %s: %w", id, adminapi.ErrNotFound)
	}
	k.Grants = append([]adminapi.Grant{}, grants...)
	c.keys[id] = k
	return withoutSecret(k), nil
}

// DeleteAccessKey implements adminclient.Interface.
func (c *Client) DeleteAccessKey(_ context.Context, id string) error {
	err := c.enter("DeleteAccessKey", id)
	defer c.mu.Unlock()
	if err != nil {
		return err
	}
	delete(c.keys, id)
	return nil
}

// CreateBucket implements adminclient.Interface.
func (c *Client) CreateBucket(_ context.Context, name string, req adminapi.CreateBucketRequest) (adminapi.Bucket, error) {
	err := c.enter("CreateBucket", name)
	defer c.mu.Unlock()
	if err != nil {
		return adminapi.Bucket{}, err
	}
	if b, ok := c.buckets[name]; ok {
		if b.Owner != req.Owner {
			return adminapi.Bucket{}, fmt.Errorf("bucket %s: %w", name, adminapi.ErrBucketAlreadyExists)
		}
		return withOwnTags(b), nil
	}
	b := adminapi.Bucket{Name: name, Owner: req.Owner, Created: c.now().UTC(), ACL: req.ACL, StorageClass: req.StorageClass}
	if b.ACL == "" {
		b.ACL = "private"
	}
	if b.StorageClass == "" {
		b.StorageClass = "Standard"
	}
	c.buckets[name] = b
	return b, nil
}

// GetBucket implements adminclient.Interface.
func (c *Client) GetBucket(_ context.Context, name string) (adminapi.Bucket, error) {
	err := c.enter("GetBucket", name)
	defer c.mu.Unlock()
	if err != nil {
		return adminapi.Bucket{}, err
	}
	b, ok := c.buckets[name]
	if !ok {
		return adminapi.Bucket{}, fmt.Errorf("bucket %s: %w", name, adminapi.ErrNotFound)
	}
	return withOwnTags(b), nil
}

// withOwnTags returns b with a copy of its tags, so that callers never share
// the fake's map.
func withOwnTags(b adminapi.Bucket) adminapi.Bucket {
	b.Tags = maps.Clone(b.Tags)
	b.CORS = b.CORS.Clone()
	b.Lifecycle = b.Lifecycle.Clone()
	return b
}

// SetBucketACL implements adminclient.Interface.
func (c *Client) SetBucketACL(_ context.Context, name, acl string) (adminapi.Bucket, error) {
	err := c.enter("SetBucketACL", name, acl)
	defer c.mu.Unlock()
	if err != nil {
		return adminapi.Bucket{}, err
	}
	if acl != "private" && acl != "public-read" && acl != "public-read-write" {
		return adminapi.Bucket{}, fmt.Errorf("acl %q: %w", acl, adminapi.ErrInvalidArgument)
	}
	b, ok := c.buckets[name]
	if !ok {
		return adminapi.Bucket{}, fmt.Errorf("bucket %s: %w", name, adminapi.ErrNotFound)
	}
	b.ACL = acl
	c.buckets[name] = b
	return withOwnTags(b), nil
}

// SetBucketTags implements adminclient.Interface. It refuses what kossd
// refuses (OSS's bucket tag limits); tests that need the engine to refuse
// something else use FailNext.
func (c *Client) SetBucketTags(_ context.Context, name string, tags map[string]string) (adminapi.Bucket, error) {
	err := c.enter("SetBucketTags", name)
	defer c.mu.Unlock()
	if err != nil {
		return adminapi.Bucket{}, err
	}
	if err := validBucketTags(tags); err != nil {
		return adminapi.Bucket{}, err
	}
	b, ok := c.buckets[name]
	if !ok {
		return adminapi.Bucket{}, fmt.Errorf("bucket %s: %w", name, adminapi.ErrNotFound)
	}
	b.Tags = nil
	if len(tags) > 0 {
		b.Tags = maps.Clone(tags)
	}
	c.buckets[name] = b
	return withOwnTags(b), nil
}

// SetBucketTagsDirectly replaces an existing bucket's tags as a client of
// the OSS API would (PutBucketTags), around the operator, and without
// recording a call.
func (c *Client) SetBucketTagsDirectly(name string, tags map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.buckets[name]; ok {
		b.Tags = maps.Clone(tags)
		c.buckets[name] = b
	}
}

// SetBucketACLDirectly replaces an existing bucket's ACL as a client of the
// OSS API would (PutBucketAcl), around the operator, and without recording
// a call.
func (c *Client) SetBucketACLDirectly(name, acl string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.buckets[name]; ok {
		b.ACL = acl
		c.buckets[name] = b
	}
}

// SetBucketCORS implements adminclient.Interface. It refuses what kossd
// refuses (OSS's CORS limits); tests that need the engine to refuse
// something else use FailNext.
func (c *Client) SetBucketCORS(_ context.Context, name string, cors *adminapi.CORS) (adminapi.Bucket, error) {
	err := c.enter("SetBucketCORS", name)
	defer c.mu.Unlock()
	if err != nil {
		return adminapi.Bucket{}, err
	}
	if cors != nil && len(cors.Rules) == 0 && cors.ResponseVary {
		return adminapi.Bucket{}, fmt.Errorf("responseVary needs at least one rule: %w", adminapi.ErrInvalidArgument)
	}
	if cors != nil && len(cors.Rules) == 0 {
		cors = nil
	}
	if err := validCORS(cors); err != nil {
		return adminapi.Bucket{}, err
	}
	b, ok := c.buckets[name]
	if !ok {
		return adminapi.Bucket{}, fmt.Errorf("bucket %s: %w", name, adminapi.ErrNotFound)
	}
	b.CORS = cors.Clone()
	c.buckets[name] = b
	return withOwnTags(b), nil
}

// SetBucketCORSDirectly replaces an existing bucket's CORS configuration as
// a client of the OSS API would (PutBucketCors, DeleteBucketCors for nil),
// around the operator, and without recording a call.
func (c *Client) SetBucketCORSDirectly(name string, cors *adminapi.CORS) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.buckets[name]; ok {
		b.CORS = cors.Clone()
		c.buckets[name] = b
	}
}

// SetBucketLifecycle implements adminclient.Interface. It refuses what
// kossd refuses (the admin API's and record.CheckLifecycle's limits) and
// gives rules without an ID one ("generated-<n>"), as kossd does; tests
// that need the engine to refuse something else use FailNext.
func (c *Client) SetBucketLifecycle(_ context.Context, name string, lc *adminapi.Lifecycle) (adminapi.Bucket, error) {
	err := c.enter("SetBucketLifecycle", name)
	defer c.mu.Unlock()
	if err != nil {
		return adminapi.Bucket{}, err
	}
	if lc != nil && len(lc.Rules) == 0 {
		lc = nil
	}
	if err := validLifecycle(lc); err != nil {
		return adminapi.Bucket{}, err
	}
	b, ok := c.buckets[name]
	if !ok {
		return adminapi.Bucket{}, fmt.Errorf("bucket %s: %w", name, adminapi.ErrNotFound)
	}
	b.Lifecycle = lc.Clone()
	if b.Lifecycle != nil {
		for i := range b.Lifecycle.Rules {
			if b.Lifecycle.Rules[i].ID == "" {
				c.lifecycleIDs++
				b.Lifecycle.Rules[i].ID = fmt.Sprintf("generated-%d", c.lifecycleIDs)
			}
		}
	}
	c.buckets[name] = b
	return withOwnTags(b), nil
}

// SetBucketLifecycleDirectly replaces an existing bucket's lifecycle
// configuration as a client of the OSS API would (PutBucketLifecycle,
// DeleteBucketLifecycle for nil), around the operator, and without
// recording a call.
func (c *Client) SetBucketLifecycleDirectly(name string, lc *adminapi.Lifecycle) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.buckets[name]; ok {
		b.Lifecycle = lc.Clone()
		c.buckets[name] = b
	}
}

// Limits of validLifecycle: kossd's record.MaxLifecycle* constants.
const (
	maxLifecycleRules     = 1000
	maxLifecycleIDLen     = 255
	maxLifecyclePrefixLen = 1024
)

// validLifecycle applies kossd's limits on a lifecycle configuration (the
// admin API's and the engine's record.CheckLifecycle, which this package
// cannot import; object tags' limits are validBucketTags's).
func validLifecycle(lc *adminapi.Lifecycle) error {
	if lc == nil {
		return nil
	}
	if len(lc.Rules) > maxLifecycleRules {
		return fmt.Errorf("%d rules, want 1-%d: %w", len(lc.Rules), maxLifecycleRules, adminapi.ErrInvalidArgument)
	}
	ids := map[string]bool{}
	for i, r := range lc.Rules {
		for _, a := range []struct {
			name string
			a    *adminapi.LifecycleAction
		}{{"expiration", r.Expiration}, {"abortUpload", r.AbortUpload}} {
			if err := validLifecycleAction(a.a); err != nil {
				return fmt.Errorf("rule %d: %s %w", i+1, a.name, err)
			}
		}
		switch {
		case len(r.ID) > maxLifecycleIDLen:
			return fmt.Errorf("rule %d: ID of %d bytes, want 1-%d: %w", i+1, len(r.ID), maxLifecycleIDLen, adminapi.ErrInvalidArgument)
		case r.ID != "" && ids[r.ID]:
			return fmt.Errorf("rule ID %q used twice: %w", r.ID, adminapi.ErrInvalidArgument)
		case len(r.Prefix) > maxLifecyclePrefixLen:
			return fmt.Errorf("rule %d: prefix of %d bytes, at most %d: %w", i+1, len(r.Prefix), maxLifecyclePrefixLen, adminapi.ErrInvalidArgument)
		case strings.Contains(r.ID+r.Prefix, "\x00"):
			return fmt.Errorf("rule %d: NUL in ID or prefix: %w", i+1, adminapi.ErrInvalidArgument)
		case r.Expiration == nil && r.AbortUpload == nil:
			return fmt.Errorf("rule %d has no action: %w", i+1, adminapi.ErrInvalidArgument)
		case r.AbortUpload != nil && r.AbortUpload.Date != nil:
			return fmt.Errorf("rule %d: AbortMultipartUpload takes Days or CreatedBeforeDate: %w", i+1, adminapi.ErrInvalidArgument)
		case len(r.Tags) > 0 && r.AbortUpload != nil:
			return fmt.Errorf("rule %d: a rule with tags cannot abort uploads: %w", i+1, adminapi.ErrInvalidArgument)
		}
		ids[r.ID] = true
		if err := validObjectTags(r.Tags); err != nil {
			return fmt.Errorf("rule %d: %w", i+1, err)
		}
	}
	return nil
}

// validObjectTags applies kossd's limits on object tags (record.CheckObjectTags, less its
// character rule): at most 10, keys of 1-128 characters, values of at most 256.
func validObjectTags(tags map[string]string) error {
	if len(tags) > 10 {
		return fmt.Errorf("%d tags, at most 10: %w", len(tags), adminapi.ErrInvalidArgument)
	}
	for k, v := range tags {
		if n := utf8.RuneCountInString(k); n == 0 || n > 128 {
			return fmt.Errorf("key of %d characters, want 1-128: %w", n, adminapi.ErrInvalidArgument)
		}
		if n := utf8.RuneCountInString(v); n > 256 {
			return fmt.Errorf("value of %d characters, at most 256: %w", n, adminapi.ErrInvalidArgument)
		}
	}
	return nil
}

// validLifecycleAction refuses an action without exactly one time, days
// below 1 and dates not at midnight UTC.
func validLifecycleAction(a *adminapi.LifecycleAction) error {
	if a == nil {
		return nil
	}
	n := 0
	if a.Days != 0 {
		n++
		if a.Days < 1 {
			return fmt.Errorf("days %d, want a positive number: %w", a.Days, adminapi.ErrInvalidArgument)
		}
	}
	for _, d := range []*time.Time{a.Date, a.CreatedBeforeDate} {
		if d == nil {
			continue
		}
		n++
		if _, offset := d.Zone(); offset != 0 || !d.Equal(d.Truncate(24*time.Hour)) {
			return fmt.Errorf("date %s is not at midnight UTC: %w", d.Format(time.RFC3339), adminapi.ErrInvalidArgument)
		}
	}
	if n != 1 {
		return fmt.Errorf("takes exactly one of days, date and createdBeforeDate: %w", adminapi.ErrInvalidArgument)
	}
	return nil
}

// Limits of validCORS: kossd's record.MaxCORSRules and MaxCORSBytes.
const (
	maxCORSRules = 10
	maxCORSBytes = 16 << 10
)

// validCORS applies kossd's limits on a CORS configuration (the engine's
// record.CheckCORS, which this package cannot import).
func validCORS(cors *adminapi.CORS) error {
	if cors == nil {
		return nil
	}
	if len(cors.Rules) > maxCORSRules {
		return fmt.Errorf("%d rules, want 1-%d: %w", len(cors.Rules), maxCORSRules, adminapi.ErrInvalidArgument)
	}
	size := 0
	for i, r := range cors.Rules {
		if len(r.AllowedOrigins) == 0 || len(r.AllowedMethods) == 0 {
			return fmt.Errorf("rule %d needs an AllowedOrigin and an AllowedMethod: %w", i+1, adminapi.ErrInvalidArgument)
		}
		for _, m := range r.AllowedMethods {
			if !slices.Contains([]string{"GET", "PUT", "DELETE", "POST", "HEAD"}, m) {
				return fmt.Errorf("rule %d: method %q is none of GET, PUT, DELETE, POST, HEAD: %w", i+1, m, adminapi.ErrInvalidArgument)
			}
		}
		for _, l := range []struct {
			name     string
			v        []string
			wildcard int
		}{{"AllowedOrigin", r.AllowedOrigins, 1}, {"AllowedHeader", r.AllowedHeaders, 1}, {"ExposeHeader", r.ExposeHeaders, 0}} {
			for _, s := range l.v {
				switch {
				case s == "":
					return fmt.Errorf("rule %d: empty %s: %w", i+1, l.name, adminapi.ErrInvalidArgument)
				case strings.Count(s, "*") > l.wildcard:
					return fmt.Errorf("rule %d: %s %q has more than %d wildcard: %w", i+1, l.name, s, l.wildcard, adminapi.ErrInvalidArgument)
				case strings.ContainsAny(s, "\r\n\x00"):
					return fmt.Errorf("rule %d: %s %q has a control character: %w", i+1, l.name, s, adminapi.ErrInvalidArgument)
				}
				size += len(s)
			}
		}
		if r.MaxAgeSeconds != nil && *r.MaxAgeSeconds < 0 {
			return fmt.Errorf("rule %d: negative MaxAgeSeconds: %w", i+1, adminapi.ErrInvalidArgument)
		}
	}
	if size > maxCORSBytes {
		return fmt.Errorf("%d bytes of rules, at most %d: %w", size, maxCORSBytes, adminapi.ErrInvalidArgument)
	}
	return nil
}

// validBucketTags applies kossd's limits on bucket tags (the engine's
// record.CheckBucketTags, which this package cannot import).
func validBucketTags(tags map[string]string) error {
	if len(tags) > 20 {
		return fmt.Errorf("%d tags, at most 20: %w", len(tags), adminapi.ErrInvalidArgument)
	}
	for k, v := range tags {
		switch {
		case k == "" || len(k) > 64:
			return fmt.Errorf("key of %d bytes, want 1-64: %w", len(k), adminapi.ErrInvalidArgument)
		case strings.HasPrefix(k, "http://"), strings.HasPrefix(k, "https://"), strings.HasPrefix(k, "Aliyun"):
			return fmt.Errorf("key %q has a reserved prefix: %w", k, adminapi.ErrInvalidArgument)
		case len(v) > 128:
			return fmt.Errorf("value of %d bytes, at most 128: %w", len(v), adminapi.ErrInvalidArgument)
		}
	}
	return nil
}

// ListBuckets implements adminclient.Interface.
func (c *Client) ListBuckets(context.Context) ([]adminapi.Bucket, error) {
	err := c.enter("ListBuckets")
	defer c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := make([]adminapi.Bucket, 0, len(c.buckets))
	for _, b := range c.buckets {
		b.Objects, b.Bytes = 0, 0
		out = append(out, withOwnTags(b))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DeleteBucket implements adminclient.Interface.
func (c *Client) DeleteBucket(_ context.Context, name string) error {
	err := c.enter("DeleteBucket", name)
	defer c.mu.Unlock()
	if err != nil {
		return err
	}
	b, ok := c.buckets[name]
	if !ok {
		return fmt.Errorf("bucket %s: %w", name, adminapi.ErrNotFound)
	}
	if b.Objects > 0 || c.uploads[name] > 0 {
		return fmt.Errorf("bucket %s: %w", name, adminapi.ErrBucketNotEmpty)
	}
	delete(c.buckets, name)
	delete(c.uploads, name)
	return nil
}

// AbortBucketUploads implements adminclient.Interface.
func (c *Client) AbortBucketUploads(_ context.Context, name string) (int64, error) {
	err := c.enter("AbortBucketUploads", name)
	defer c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if _, ok := c.buckets[name]; !ok {
		return 0, fmt.Errorf("bucket %s: %w", name, adminapi.ErrNotFound)
	}
	n := c.uploads[name]
	delete(c.uploads, name)
	return n, nil
}

// ClusterStatus implements adminclient.Interface.
func (c *Client) ClusterStatus(context.Context) (adminapi.ClusterStatus, error) {
	err := c.enter("ClusterStatus")
	defer c.mu.Unlock()
	if err != nil {
		return adminapi.ClusterStatus{}, err
	}
	s := c.status
	s.Members = append([]adminapi.Member(nil), s.Members...)
	return s, nil
}

// AddMember implements adminclient.Interface: the node joins as a voting
// follower. Adding it again with the same address succeeds; with another
// address it is refused, as a change of address is not an add.
func (c *Client) AddMember(_ context.Context, id, peerAddress string) error {
	err := c.enter("AddMember", id, peerAddress)
	defer c.mu.Unlock()
	if err != nil {
		return err
	}
	if id == "" || peerAddress == "" {
		return fmt.Errorf("member %q at %q: %w", id, peerAddress, adminapi.ErrInvalidArgument)
	}
	for _, m := range c.status.Members {
		if m.ID == id {
			if m.Address != peerAddress {
				return fmt.Errorf("member %s is at %s, not %s: %w", id, m.Address, peerAddress, adminapi.ErrInvalidArgument)
			}
			return nil
		}
	}
	c.status.Members = append(c.status.Members, adminapi.Member{
		ID: id, Address: peerAddress, State: adminapi.MemberFollower, Suffrage: adminapi.SuffrageVoter,
	})
	return nil
}

// DrainMember implements adminclient.Interface with the answers set by
// SetDrainRemaining (0 by default, and always 0 for a non-member).
func (c *Client) DrainMember(_ context.Context, id string) (int64, error) {
	err := c.enter("DrainMember", id)
	defer c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if !slices.ContainsFunc(c.status.Members, func(m adminapi.Member) bool { return m.ID == id }) {
		return 0, nil
	}
	plan := c.drains[id]
	if len(plan) == 0 {
		return 0, nil
	}
	c.drains[id] = plan[1:]
	return plan[0], nil
}

// RemoveMember implements adminclient.Interface. Removing the leader makes
// the next member the leader, as a leadership transfer would.
func (c *Client) RemoveMember(_ context.Context, id string) error {
	err := c.enter("RemoveMember", id)
	defer c.mu.Unlock()
	if err != nil {
		return err
	}
	c.status.Members = slices.DeleteFunc(c.status.Members, func(m adminapi.Member) bool { return m.ID == id })
	if c.status.Leader == id {
		c.status.Leader = ""
		if len(c.status.Members) > 0 {
			c.status.Leader = c.status.Members[0].ID
			c.status.Members[0].State = adminapi.MemberLeader
		}
	}
	return nil
}
