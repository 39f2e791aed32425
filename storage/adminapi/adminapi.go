package adminapi

import (
	"errors"
	"maps"
	"net/url"
	"slices"
	"time"
)

// Paths of the admin API.
const (
	// PathPrefix is the root of the admin API on every kossd node.
	PathPrefix = "/-/admin/v1"
	// PathKeys lists (GET) and creates (POST) access keys.
	PathKeys = PathPrefix + "/keys"
	// PathBuckets lists buckets (GET).
	PathBuckets = PathPrefix + "/buckets"
	// PathCluster reports the cluster's status (GET).
	PathCluster = PathPrefix + "/cluster"
	// PathMembers adds a member (POST, AddMemberRequest).
	PathMembers = PathCluster + "/members"
)

// MemberPath is the path of one member: DELETE removes it from the cluster.
func MemberPath(id string) string { return PathMembers + "/" + url.PathEscape(id) }

// MemberDrainPath re-places a member's data on the others (POST), answering
// a DrainResult.
func MemberDrainPath(id string) string { return MemberPath(id) + "/drain" }

// KeyPath is the path of one access key.
func KeyPath(id string) string { return PathKeys + "/" + url.PathEscape(id) }

// KeyGrantsPath is the path of an access key's grants.
func KeyGrantsPath(id string) string { return KeyPath(id) + "/grants" }

// KeySessionsPath issues temporary credentials (POST, SessionRequest)
// whose rights are at most those of the key id.
func KeySessionsPath(id string) string { return KeyPath(id) + "/sessions" }

// BucketPath is the path of one bucket.
func BucketPath(name string) string { return PathBuckets + "/" + url.PathEscape(name) }

// BucketACLPath is a bucket's canned ACL: PUT (SetBucketACLRequest) replaces
// it, answering the Bucket.
func BucketACLPath(name string) string { return BucketPath(name) + "/acl" }

// BucketTagsPath is a bucket's tag set: PUT (SetBucketTagsRequest) replaces
// it as a whole, answering the Bucket.
func BucketTagsPath(name string) string { return BucketPath(name) + "/tags" }

// BucketCORSPath is a bucket's CORS configuration: PUT
// (SetBucketCORSRequest) replaces it as a whole, answering the Bucket.
func BucketCORSPath(name string) string { return BucketPath(name) + "/cors" }

// BucketLifecyclePath is a bucket's lifecycle configuration: PUT
// (SetBucketLifecycleRequest) replaces it as a whole, answering the Bucket.
func BucketLifecyclePath(name string) string { return BucketPath(name) + "/lifecycle" }

// BucketUploadsPath is the collection of a bucket's open multipart
// uploads: DELETE aborts every one of them, answering an AbortUploadsResult.
func BucketUploadsPath(name string) string { return BucketPath(name) + "/uploads" }

// Access is what a grant allows on one bucket.
type Access string

// The grant levels.
const (
	// AccessRead allows reading objects and listing the bucket.
	AccessRead Access = "read"
	// AccessWrite allows creating, changing and deleting objects.
	AccessWrite Access = "write"
	// AccessReadWrite allows both.
	AccessReadWrite Access = "readwrite"
)

// Valid reports whether a is one of the grant levels.
func (a Access) Valid() bool {
	return a == AccessRead || a == AccessWrite || a == AccessReadWrite
}

// Grant gives an access key rights on one bucket.
type Grant struct {
	Bucket string `json:"bucket"`
	Access Access `json:"access"`
}

// CreateKeyRequest is the body of POST /keys. Id and secret are optional:
// the server generates what is missing. Creating a key that exists with the
// same secret replaces its grants and succeeds (idempotent create); with
// another secret it fails with CodeKeyConflict.
type CreateKeyRequest struct {
	AccessKeyID     string  `json:"accessKeyId,omitempty"`
	AccessKeySecret string  `json:"accessKeySecret,omitempty"`
	Grants          []Grant `json:"grants,omitempty"`
}

// AccessKey describes an access key. AccessKeySecret is set only in the
// response to its creation.
type AccessKey struct {
	AccessKeyID     string    `json:"accessKeyId"`
	AccessKeySecret string    `json:"accessKeySecret,omitempty"`
	Grants          []Grant   `json:"grants"`
	Created         time.Time `json:"created"`
}

// KeyList is the body of GET /keys, in id order.
type KeyList struct {
	Keys []AccessKey `json:"keys"`
}

// SessionRequest is the body of POST /keys/{id}/sessions: temporary
// credentials for the key, optionally narrowed to Grants (the result is
// always the intersection with the key's grants, judged again on every
// request), valid for DurationSeconds (900..43200, default 3600).
type SessionRequest struct {
	DurationSeconds int64   `json:"durationSeconds,omitempty"`
	Grants          []Grant `json:"grants,omitempty"`
	Name            string  `json:"name,omitempty"`
}

// Credentials are temporary credentials, in the shape of Alibaba STS's
// Credentials: an "STS." id, its secret and the security token the client
// sends with every request, until Expiration.
type Credentials struct {
	AccessKeyID     string    `json:"accessKeyId"`
	AccessKeySecret string    `json:"accessKeySecret"`
	SecurityToken   string    `json:"securityToken"`
	Expiration      time.Time `json:"expiration"`
}

// SetGrantsRequest is the body of PUT /keys/{id}/grants: the key's complete
// new set of grants.
type SetGrantsRequest struct {
	Grants []Grant `json:"grants"`
}

// CreateBucketRequest is the body of PUT /buckets/{name}. Owner is an opaque
// tag of who asked for the bucket (the operator uses the Bucket object's
// namespace/name/uid): creating an existing bucket with the same owner
// succeeds, with another owner it fails with CodeBucketAlreadyExists.
type CreateBucketRequest struct {
	Owner string `json:"owner"`
	// ACL is private (default), public-read or public-read-write.
	ACL string `json:"acl,omitempty"`
	// StorageClass is Standard (default), IA, Archive, ColdArchive or DeepColdArchive.
	StorageClass string `json:"storageClass,omitempty"`
}

// SetBucketACLRequest is the body of PUT /buckets/{name}/acl.
type SetBucketACLRequest struct {
	// ACL is private, public-read or public-read-write (required).
	ACL string `json:"acl"`
}

// SetBucketTagsRequest is the body of PUT /buckets/{name}/tags: the bucket's
// complete new tag set; empty (or absent) removes every tag. The engine
// judges OSS's limits (20 tags, keys of 1-64 bytes without an "Aliyun",
// "http://" or "https://" prefix, values of at most 128 bytes) and answers
// CodeInvalidArgument, changing nothing, for tags outside them.
type SetBucketTagsRequest struct {
	Tags map[string]string `json:"tags"`
}

// SetBucketCORSRequest is the body of PUT /buckets/{name}/cors: the bucket's
// complete new CORS configuration; no rules (an empty or absent list)
// removes it, and ResponseVary then must be false. The engine judges OSS's
// limits (1-10 rules, each with an origin and a method of GET, PUT, DELETE,
// POST or HEAD; at most one "*" in an origin or an allowed header, none in
// an exposed header; no CR, LF or NUL; MaxAgeSeconds >= 0; 16 KiB of
// strings) and answers CodeInvalidArgument, changing nothing, for rules
// outside them.
type SetBucketCORSRequest struct {
	CORS
}

// CORS is a bucket's CORS configuration (OSS PutBucketCors): rules tried
// in order, the first match deciding, and whether every response says
// Vary: Origin.
type CORS struct {
	Rules        []CORSRule `json:"rules"`
	ResponseVary bool       `json:"responseVary,omitempty"`
}

// Clone returns a deep copy of c (nil for nil).
func (c *CORS) Clone() *CORS {
	if c == nil {
		return nil
	}
	out := &CORS{ResponseVary: c.ResponseVary, Rules: make([]CORSRule, len(c.Rules))}
	for i, r := range c.Rules {
		out.Rules[i] = CORSRule{
			AllowedOrigins: slices.Clone(r.AllowedOrigins), AllowedMethods: slices.Clone(r.AllowedMethods),
			AllowedHeaders: slices.Clone(r.AllowedHeaders), ExposeHeaders: slices.Clone(r.ExposeHeaders),
		}
		if r.MaxAgeSeconds != nil {
			v := *r.MaxAgeSeconds
			out.Rules[i].MaxAgeSeconds = &v
		}
	}
	return out
}

// CORSRule is one rule of a bucket's CORS configuration, its lists in the
// order they were given.
type CORSRule struct {
	AllowedOrigins []string `json:"allowedOrigins"`
	AllowedMethods []string `json:"allowedMethods"`
	AllowedHeaders []string `json:"allowedHeaders,omitempty"`
	ExposeHeaders  []string `json:"exposeHeaders,omitempty"`
	// MaxAgeSeconds is how long a browser may cache a preflight answer;
	// nil when the rule says nothing.
	MaxAgeSeconds *int64 `json:"maxAgeSeconds,omitempty"`
}

// SetBucketLifecycleRequest is the body of PUT /buckets/{name}/lifecycle:
// the bucket's complete new lifecycle configuration; no rules (an empty or
// absent list) removes it. Rules without an ID get one from the engine.
// kossd judges OSS's limits (at most 1000 rules, IDs of 1-255 bytes and
// unique, prefixes of at most 1024 bytes, each rule with an action, each
// action with exactly one time: Days >= 1, Date or CreatedBeforeDate at
// midnight UTC, no Date for AbortUpload, no Tags with AbortUpload, object
// tags' limits) and answers CodeInvalidArgument, changing nothing, for rules
// outside them. Unlike OSS's PutBucketLifecycle without
// x-oss-allow-same-action-overlap, rules whose prefixes overlap are kept: a
// request here is the owner's whole declaration.
type SetBucketLifecycleRequest struct {
	Lifecycle
}

// Lifecycle is a bucket's lifecycle configuration (OSS
// PutBucketLifecycle), its rules in the order given.
type Lifecycle struct {
	Rules []LifecycleRule `json:"rules"`
}

// Clone returns a deep copy of l (nil for nil).
func (l *Lifecycle) Clone() *Lifecycle {
	if l == nil {
		return nil
	}
	out := &Lifecycle{Rules: make([]LifecycleRule, len(l.Rules))}
	for i, r := range l.Rules {
		r.Tags = maps.Clone(r.Tags)
		r.Expiration = r.Expiration.clone()
		r.AbortUpload = r.AbortUpload.clone()
		out.Rules[i] = r
	}
	return out
}

// LifecycleRule is one rule of a bucket's lifecycle configuration: objects
// under Prefix carrying every one of Tags expire as Expiration says,
// uploads under Prefix are aborted as AbortUpload says; a rule that is not
// Enabled is kept and does nothing.
type LifecycleRule struct {
	ID      string            `json:"id,omitempty"`
	Prefix  string            `json:"prefix,omitempty"`
	Enabled bool              `json:"enabled"`
	Tags    map[string]string `json:"tags,omitempty"`
	// Expiration is when matching objects are deleted; nil for never.
	Expiration *LifecycleAction `json:"expiration,omitempty"`
	// AbortUpload is when matching multipart uploads are aborted; nil for
	// never.
	AbortUpload *LifecycleAction `json:"abortUpload,omitempty"`
}

// LifecycleAction is when one action of a lifecycle rule applies: exactly
// one of its fields is set.
type LifecycleAction struct {
	// Days: that many days after an object's last modification (an
	// upload's initiation).
	Days int64 `json:"days,omitempty"`
	// Date (OSS's deprecated Expiration Date): from then on every matching
	// object expires, whenever it was written. Midnight UTC.
	Date *time.Time `json:"date,omitempty"`
	// CreatedBeforeDate: objects last modified (uploads initiated) before
	// it. Midnight UTC.
	CreatedBeforeDate *time.Time `json:"createdBeforeDate,omitempty"`
}

func (a *LifecycleAction) clone() *LifecycleAction {
	if a == nil {
		return nil
	}
	out := &LifecycleAction{Days: a.Days}
	if a.Date != nil {
		t := *a.Date
		out.Date = &t
	}
	if a.CreatedBeforeDate != nil {
		t := *a.CreatedBeforeDate
		out.CreatedBeforeDate = &t
	}
	return out
}

// Bucket describes a bucket. Objects and Bytes are filled by GET
// /buckets/{name} (and by the create and set responses), not by the
// listing.
type Bucket struct {
	Name         string    `json:"name"`
	Owner        string    `json:"owner"`
	Created      time.Time `json:"created"`
	ACL          string    `json:"acl"`
	StorageClass string    `json:"storageClass"`
	Objects      int64     `json:"objects"`
	Bytes        int64     `json:"bytes"`
	// Tags are the bucket's tags; absent (nil) when it has none.
	Tags map[string]string `json:"tags,omitempty"`
	// CORS is the bucket's CORS configuration; absent (nil) when it has
	// none.
	CORS *CORS `json:"cors,omitempty"`
	// Lifecycle is the bucket's lifecycle configuration; absent (nil) when
	// it has none.
	Lifecycle *Lifecycle `json:"lifecycle,omitempty"`
}

// BucketList is the body of GET /buckets, in name order.
type BucketList struct {
	Buckets []Bucket `json:"buckets"`
}

// AbortUploadsResult is the answer to DELETE /buckets/{name}/uploads.
type AbortUploadsResult struct {
	// Aborted counts the uploads this call aborted (0 when none was open).
	Aborted int64 `json:"aborted"`
}

// Member states in ClusterStatus.
const (
	MemberLeader    = "leader"
	MemberFollower  = "follower"
	MemberCandidate = "candidate"
	MemberOffline   = "offline"
)

// Member suffrages in ClusterStatus.
const (
	SuffrageVoter    = "voter"
	SuffrageNonvoter = "nonvoter"
	SuffrageStaging  = "staging"
)

// Member is one node of the cluster. The indexes are what the member
// reported when asked (zero when it is offline).
type Member struct {
	ID      string `json:"id"`
	Address string `json:"address"`
	State   string `json:"state"`
	// Suffrage is voter, nonvoter or staging.
	Suffrage     string `json:"suffrage,omitempty"`
	Term         uint64 `json:"term,omitempty"`
	CommitIndex  uint64 `json:"commitIndex,omitempty"`
	AppliedIndex uint64 `json:"appliedIndex,omitempty"`
	LastLogIndex uint64 `json:"lastLogIndex,omitempty"`
	// Bytes is the object data placed on this member: the sizes of the blobs
	// whose replica lists name it (small objects that ride in the raft log
	// are on every member and are not counted).
	Bytes int64 `json:"bytes"`
	// Disk is the member's disk as it reported it; nil when it did not
	// answer (offline, or a kossd older than the report).
	Disk *MemberDisk `json:"disk,omitempty"`
}

// MemberDisk is the tightest file system of a member (its data directory
// or its raft directory): free space, size and the reserve the member keeps
// (--min-free-space), in bytes.
type MemberDisk struct {
	FreeBytes    int64 `json:"freeBytes"`
	TotalBytes   int64 `json:"totalBytes"`
	ReserveBytes int64 `json:"reserveBytes"`
	// Full is true when the member refuses writes of 8 MiB or more: its
	// free space is less than that above the reserve. It answers writes
	// with 507 XKossStorageFull (a Region writes a full member's copies
	// elsewhere and repairs them once space is freed).
	Full bool `json:"full"`
	// RefusedWrites counts the writes it refused for space since it started.
	RefusedWrites uint64 `json:"refusedWrites"`
}

// AddMemberRequest is the body of POST /cluster/members: the node id and
// the peer address other members reach it at. Adding a member that is
// already there with that address succeeds; the node joins when it starts
// (it must not list itself in --initial-cluster).
type AddMemberRequest struct {
	ID          string `json:"id"`
	PeerAddress string `json:"peerAddress"`
}

// DrainResult is the answer to POST /cluster/members/{id}/drain.
type DrainResult struct {
	// Remaining counts the objects that still have a copy only on the
	// member; 0 means it can be removed.
	Remaining int64 `json:"remaining"`
}

// ClusterStatus is the body of GET /cluster, as seen by the node asked.
type ClusterStatus struct {
	// NodeID is the node that answered.
	NodeID  string   `json:"nodeId"`
	Members []Member `json:"members"`
	// Leader is the id of the current leader, "" when there is none.
	Leader       string `json:"leader"`
	Term         uint64 `json:"term,omitempty"`
	CommitIndex  uint64 `json:"commitIndex"`
	AppliedIndex uint64 `json:"appliedIndex"`
	LastLogIndex uint64 `json:"lastLogIndex"`
	// UnderReplicated counts objects with fewer copies than wanted.
	UnderReplicated int64 `json:"underReplicated"`
}

// Error is the body of every error response.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error codes.
const (
	CodeNotFound            = "NotFound"
	CodeBucketAlreadyExists = "BucketAlreadyExists"
	CodeBucketNotEmpty      = "BucketNotEmpty"
	CodeKeyConflict         = "KeyConflict"
	CodeUnauthorized        = "Unauthorized"
	CodeInvalidArgument     = "InvalidArgument"
	CodeMethodNotAllowed    = "MethodNotAllowed"
	CodeUnavailable         = "Unavailable"
	CodeNotImplemented      = "NotImplemented"
	CodeInternal            = "InternalError"
)

// Sentinel errors clients (adminclient) map error codes to; test them with
// errors.Is.
var (
	ErrNotFound            = errors.New("adminapi: not found")
	ErrBucketAlreadyExists = errors.New("adminapi: bucket already exists with another owner")
	ErrBucketNotEmpty      = errors.New("adminapi: bucket not empty")
	ErrKeyConflict         = errors.New("adminapi: access key exists with another secret")
	ErrUnauthorized        = errors.New("adminapi: not authorized")
	ErrInvalidArgument     = errors.New("adminapi: invalid argument")
	ErrUnavailable         = errors.New("adminapi: service unavailable")
	ErrNotImplemented      = errors.New("adminapi: not implemented")
)
