package record

import (
	"errors"
	"fmt"

	"github.com/koss-io/koss/storage/internal/meta/record/internal/stored"
	"github.com/koss-io/koss/storage/internal/meta/record/internal/wire"
)

// CommandType is the first byte of every encoded command. The numbers are
// stored in raft logs: append new ones, never renumber or reuse.
type CommandType uint8

// Command types.
const (
	CmdCreateBucket  CommandType = 1
	CmdDeleteBucket  CommandType = 2
	CmdPutObject     CommandType = 3
	CmdAppendObject  CommandType = 4
	CmdCopyObject    CommandType = 5
	CmdDeleteObject  CommandType = 6
	CmdDeleteObjects CommandType = 7
	CmdCreateKey     CommandType = 8
	CmdSetGrants     CommandType = 9
	CmdDeleteKey     CommandType = 10
	// CmdUpdateReplicas needs codec version 2.
	CmdUpdateReplicas CommandType = 11
	// The multipart commands (multipart.go).
	CmdCreateUpload      CommandType = 12
	CmdPutPart           CommandType = 13
	CmdCompleteUpload    CommandType = 14
	CmdAbortUpload       CommandType = 15
	CmdAbortStaleUploads CommandType = 16
	// CmdSetBucketACL needs codec version 5 (bucketacl.go).
	CmdSetBucketACL CommandType = 17
	// CmdSetObjectTagging and CmdSetBucketTagging need codec version 6
	// (tagging.go).
	CmdSetObjectTagging CommandType = 18
	CmdSetBucketTagging CommandType = 19
	// CmdSetBucketCors needs codec version 7 (cors.go).
	CmdSetBucketCors CommandType = 20
	// CmdSetBucketLifecycle needs codec version 8 (lifecycle.go).
	CmdSetBucketLifecycle CommandType = 21
	// CmdExpireObjects needs codec version 8 (lifecycleexpire.go).
	CmdExpireObjects CommandType = 22
	// CmdAbortLifecycleUploads needs codec version 8 (lifecycleexpire.go).
	CmdAbortLifecycleUploads CommandType = 23
)

// codecVersion is the newest payload version this code reads and writes. A
// payload with a higher version comes from newer code this node cannot
// interpret: Apply panics rather than diverge.
//
// Version 2 added blob segments with replica lists (stored.segPlaced) and
// UpdateReplicas. Version 3 added the S3 fields (stored.Encoder.Ext): checksums in
// PutObject, CreateUpload, PutPart and CompleteUpload, IfMatch in PutObject
// and CompleteUpload, CompleteUpload.KeepPartSizes. Version 4 added the
// part checksums (stored.Encoder.Sums): Object.PartChecksums and
// CompleteUpload.KeepPartChecksums. Encode writes the lowest version a
// command needs (1 for every command that needs none of that), so that a
// cluster whose nodes run older code keeps working until the first command
// that needs more. Version 5 added SetBucketACL, which always needs it: a
// node of older code stops at it (unknown type) rather than ignore it; and
// AppendObject.SetACL (stored.Encoder.ACL). Version 6 added tags and symlinks
// (stored.Encoder.Tags): SetObjectTagging and SetBucketTagging (always), and
// PutObject, AppendObject, CopyObject and CreateUpload when they carry
// tags or a symlink; every other command keeps its old bytes. Version 7
// added SetBucketCors, which always needs it; no other command changed.
// Version 8 added SetBucketLifecycle, ExpireObjects and
// AbortLifecycleUploads, the same way.
const codecVersion = 8

// CodecVersion is codecVersion for other packages: the newest command
// version this node can apply (the codec gate of package server compares
// the members' versions before proposing).
const CodecVersion = codecVersion

// extVersion is the first codec version with the S3 fields, sumsVersion
// the first with the part checksums.
const (
	extVersion  = 3
	sumsVersion = 4
	// aclVersion is the first codec version with SetBucketACL.
	aclVersion = 5
	// tagsVersion is the first with tags and symlinks.
	tagsVersion = 6
	// corsVersion is the first with SetBucketCors.
	corsVersion = 7
	// lifecycleVersion is the first with SetBucketLifecycle.
	lifecycleVersion = 8
)

// versioned is implemented by commands whose payload may need a codec
// version above 1.
type versioned interface {
	codecVersion() uint8
}

// Command is a state-machine command. Encode one with Encode and hand the
// bytes to the proposer; every replica decodes and applies the same bytes.
// Timestamps and ids are fields of the command, never read from the applying
// node, so Apply stays deterministic.
//
// Only this package's types implement it (its encoding methods are
// unexported), so every command that reaches a log is in the type table.
type Command interface {
	Type() CommandType
	encode(e *stored.Encoder)
	decode(d *stored.Decoder)
}

// commandDef binds a type byte to its name and its Go type.
type commandDef struct {
	name string
	new  func() Command
}

// commandDefs is the type table, indexed by type byte. It is filled in one
// place, below, and only ever grows: a type byte, once in a log, means the
// same command forever. Registering a type twice panics, and so does a
// constructor whose command reports another type.
var commandDefs [256]*commandDef

func register(t CommandType, name string, newCmd func() Command) {
	if commandDefs[t] != nil {
		panic(fmt.Sprintf("record: command type %d registered twice", t))
	}
	if got := newCmd().Type(); got != t {
		panic(fmt.Sprintf("record: command type %d (%s) constructs a command of type %d", t, name, got))
	}
	commandDefs[t] = &commandDef{name: name, new: newCmd}
}

func init() {
	register(CmdCreateBucket, "CreateBucket", func() Command { return new(CreateBucket) })
	register(CmdDeleteBucket, "DeleteBucket", func() Command { return new(DeleteBucket) })
	register(CmdPutObject, "PutObject", func() Command { return new(PutObject) })
	register(CmdAppendObject, "AppendObject", func() Command { return new(AppendObject) })
	register(CmdCopyObject, "CopyObject", func() Command { return new(CopyObject) })
	register(CmdDeleteObject, "DeleteObject", func() Command { return new(DeleteObject) })
	register(CmdDeleteObjects, "DeleteObjects", func() Command { return new(DeleteObjects) })
	register(CmdCreateKey, "CreateKey", func() Command { return new(CreateKey) })
	register(CmdSetGrants, "SetGrants", func() Command { return new(SetGrants) })
	register(CmdDeleteKey, "DeleteKey", func() Command { return new(DeleteKey) })
	register(CmdUpdateReplicas, "UpdateReplicas", func() Command { return new(UpdateReplicas) })
	register(CmdCreateUpload, "CreateUpload", func() Command { return new(CreateUpload) })
	register(CmdPutPart, "PutPart", func() Command { return new(PutPart) })
	register(CmdCompleteUpload, "CompleteUpload", func() Command { return new(CompleteUpload) })
	register(CmdAbortUpload, "AbortUpload", func() Command { return new(AbortUpload) })
	register(CmdAbortStaleUploads, "AbortStaleUploads", func() Command { return new(AbortStaleUploads) })
	register(CmdSetBucketACL, "SetBucketACL", func() Command { return new(SetBucketACL) })
	register(CmdSetObjectTagging, "SetObjectTagging", func() Command { return new(SetObjectTagging) })
	register(CmdSetBucketTagging, "SetBucketTagging", func() Command { return new(SetBucketTagging) })
	register(CmdSetBucketCors, "SetBucketCors", func() Command { return new(SetBucketCors) })
	register(CmdSetBucketLifecycle, "SetBucketLifecycle", func() Command { return new(SetBucketLifecycle) })
	register(CmdExpireObjects, "ExpireObjects", func() Command { return new(ExpireObjects) })
	register(CmdAbortLifecycleUploads, "AbortLifecycleUploads", func() Command { return new(AbortLifecycleUploads) })
}

// Known reports whether t is a command type this code can decode. The state
// machine checks at start-up that it has an apply function for each.
func (t CommandType) Known() bool { return commandDefs[t] != nil }

// String returns the command's name, e.g. "PutObject".
func (t CommandType) String() string {
	if def := commandDefs[t]; def != nil {
		return def.name
	}
	return fmt.Sprintf("CommandType(%d)", uint8(t))
}

// commandVersion is the codec version c's payload needs.
func commandVersion(c Command) uint8 {
	if v, ok := c.(versioned); ok {
		return v.codecVersion()
	}
	return 1
}

// Encode returns the wire form of c: [type][version][payload].
func Encode(c Command) []byte {
	v := commandVersion(c)
	e := stored.Encoder{Encoder: wire.Encoder{Buf: make([]byte, 0, 64)}, Ext: v >= extVersion, Sums: v >= sumsVersion, ACL: v >= aclVersion, Tags: v >= tagsVersion}
	e.U8(uint8(c.Type()))
	e.U8(v)
	c.encode(&e)
	return e.Buf
}

// ErrUnknownCommand is returned by Decode for a type byte no command has.
var ErrUnknownCommand = errors.New("record: unknown command type")

// Decode parses bytes made by Encode.
func Decode(b []byte) (Command, error) {
	if len(b) < 2 {
		return nil, wire.ErrShort
	}
	def := commandDefs[b[0]]
	if def == nil {
		return nil, fmt.Errorf("%w %d", ErrUnknownCommand, b[0])
	}
	if v := b[1]; v == 0 || v > codecVersion {
		return nil, fmt.Errorf("record: %s: unsupported codec version %d", def.name, v)
	}
	c := def.new()
	d := stored.Decoder{Decoder: wire.NewDecoder(b[2:]), Ext: b[1] >= extVersion, Sums: b[1] >= sumsVersion, ACL: b[1] >= aclVersion, Tags: b[1] >= tagsVersion}
	c.decode(&d)
	if err := d.Done(); err != nil {
		return nil, fmt.Errorf("record: decode %s: %w", def.name, err)
	}
	if need := commandVersion(c); b[1] < need {
		return nil, fmt.Errorf("record: decode %s: needs codec version %d, payload has %d", def.name, need, b[1])
	}
	return c, nil
}

// CreateBucket creates a bucket, or succeeds without change when it exists
// with the same Owner.
type CreateBucket struct {
	Name         string
	Created      int64
	ACL          string
	StorageClass string
	Owner        string
}

// DeleteBucket deletes an empty bucket.
type DeleteBucket struct{ Name string }

// PutObject stores Object under Bucket/Key, replacing any object there
// (unless ForbidOverwrite). Object.Bucket and Object.Key are ignored.
type PutObject struct {
	Bucket          string
	Key             string
	Object          Object
	ForbidOverwrite bool
	// IfMatch, when set, writes only over an existing object with that
	// ETag (quotes and case ignored): CodeObjectNotFound when there is
	// none, CodePreconditionFailed when it differs. Codec version 3.
	IfMatch string
}

// AppendObject appends Segment to the Appendable object Bucket/Key if its
// length equals Position, or creates the object (with Meta) when Position is
// 0 and the key is absent. The new whole-object CRC-64 is computed at apply
// time from the stored one and Segment.CRC64.
type AppendObject struct {
	Bucket   string
	Key      string
	Position int64
	Segment  Segment
	MTime    int64
	Meta     Metadata
	// SetACL makes an append to an existing object replace its ACL with
	// Meta.ACL, as OSS applies x-oss-object-acl on every append (the rest
	// of Meta only when the append creates the object). Without it (and
	// in every command older code wrote) an existing object keeps its
	// ACL, so old logs replay as they first applied. Codec version 5.
	SetACL bool
	// Tags are the new object's tags (x-oss-tagging on the first append);
	// an append to an existing object keeps the object's tags, as OSS
	// does. Codec version 6.
	Tags map[string]string
}

// Condition is a conditional check on a copy source, made at apply time.
// Times are unix seconds; nil means absent.
type Condition struct {
	IfMatch           string
	IfNoneMatch       string
	IfModifiedSince   *int64
	IfUnmodifiedSince *int64
}

// CopyObject makes Dst share Src's content (no data moves). With
// ReplaceMeta the copy takes Meta, otherwise Src's metadata.
type CopyObject struct {
	SrcBucket       string
	SrcKey          string
	DstBucket       string
	DstKey          string
	ReplaceMeta     bool
	Meta            Metadata
	ForbidOverwrite bool
	Cond            Condition
	MTime           int64
	// ReplaceTags gives the copy Tags (x-oss-tagging-directive: Replace)
	// instead of the source's tags, which a copy keeps otherwise (and in
	// every command older code wrote). Codec version 6.
	ReplaceTags bool
	Tags        map[string]string
}

// DeleteObject deletes one object; a missing key is not an error.
type DeleteObject struct {
	Bucket string
	Key    string
}

// DeleteObjects deletes many keys of one bucket atomically.
type DeleteObjects struct {
	Bucket string
	Keys   []string
}

// CreateKey stores an access key; re-creating it with the same secret
// replaces its grants.
type CreateKey struct {
	ID      string
	Secret  string
	Grants  map[string]string
	Created int64
}

// SetGrants replaces a key's grants.
type SetGrants struct {
	ID     string
	Grants map[string]string
}

// DeleteKey deletes an access key; a missing key is not an error.
type DeleteKey struct{ ID string }

// UpdateReplicas replaces the replica list of a blob, provided it still
// equals Expect (as a set): two repairers racing cannot undo each other's
// work. A blob no object refers to any more is rejected with
// CodeObjectNotFound, a changed list with CodePreconditionFailed.
type UpdateReplicas struct {
	Blob     string
	Expect   []string
	Replicas []string
}

// Type implements Command.
func (*CreateBucket) Type() CommandType { return CmdCreateBucket }

// Type implements Command.
func (*DeleteBucket) Type() CommandType { return CmdDeleteBucket }

// Type implements Command.
func (*PutObject) Type() CommandType { return CmdPutObject }

// Type implements Command.
func (*AppendObject) Type() CommandType { return CmdAppendObject }

// Type implements Command.
func (*CopyObject) Type() CommandType { return CmdCopyObject }

// Type implements Command.
func (*DeleteObject) Type() CommandType { return CmdDeleteObject }

// Type implements Command.
func (*DeleteObjects) Type() CommandType { return CmdDeleteObjects }

// Type implements Command.
func (*CreateKey) Type() CommandType { return CmdCreateKey }

// Type implements Command.
func (*SetGrants) Type() CommandType { return CmdSetGrants }

// Type implements Command.
func (*DeleteKey) Type() CommandType { return CmdDeleteKey }

// Type implements Command.
func (*UpdateReplicas) Type() CommandType { return CmdUpdateReplicas }

func (c *CreateBucket) encode(e *stored.Encoder) {
	e.Str(c.Name)
	e.Varint(c.Created)
	e.Str(c.ACL)
	e.Str(c.StorageClass)
	e.Str(c.Owner)
}

func (c *CreateBucket) decode(d *stored.Decoder) {
	c.Name = d.Str()
	c.Created = d.Varint()
	c.ACL = d.Str()
	c.StorageClass = d.Str()
	c.Owner = d.Str()
}

func (c *DeleteBucket) encode(e *stored.Encoder) { e.Str(c.Name) }
func (c *DeleteBucket) decode(d *stored.Decoder) { c.Name = d.Str() }

func (c *PutObject) encode(e *stored.Encoder) {
	e.Str(c.Bucket)
	e.Str(c.Key)
	stored.EncodeObjectBody(e, &c.Object)
	e.Bool(c.ForbidOverwrite)
	if e.Ext {
		e.Str(c.IfMatch)
	}
}

func (c *PutObject) decode(d *stored.Decoder) {
	c.Bucket = d.Str()
	c.Key = d.Str()
	stored.DecodeObjectBody(d, &c.Object, true)
	c.ForbidOverwrite = d.Bool()
	if d.Ext {
		c.IfMatch = d.Str()
	}
}

func (c *AppendObject) encode(e *stored.Encoder) {
	e.Str(c.Bucket)
	e.Str(c.Key)
	e.Varint(c.Position)
	stored.EncodeSegment(e, &c.Segment)
	e.Varint(c.MTime)
	stored.EncodeMetadata(e, &c.Meta)
	if e.ACL {
		e.Bool(c.SetACL)
	}
	if e.Tags {
		e.StrMap(c.Tags)
	}
}

func (c *AppendObject) decode(d *stored.Decoder) {
	c.Bucket = d.Str()
	c.Key = d.Str()
	c.Position = d.Varint()
	c.Segment = stored.DecodeSegment(d, true)
	c.MTime = d.Varint()
	c.Meta = stored.DecodeMetadata(d)
	if d.ACL {
		c.SetACL = d.Bool()
	}
	if d.Tags {
		c.Tags = d.StrMap()
	}
}

func (c *CopyObject) encode(e *stored.Encoder) {
	e.Str(c.SrcBucket)
	e.Str(c.SrcKey)
	e.Str(c.DstBucket)
	e.Str(c.DstKey)
	e.Bool(c.ReplaceMeta)
	stored.EncodeMetadata(e, &c.Meta)
	e.Bool(c.ForbidOverwrite)
	e.Str(c.Cond.IfMatch)
	e.Str(c.Cond.IfNoneMatch)
	e.OptInt(c.Cond.IfModifiedSince)
	e.OptInt(c.Cond.IfUnmodifiedSince)
	e.Varint(c.MTime)
	if e.Tags {
		e.Bool(c.ReplaceTags)
		e.StrMap(c.Tags)
	}
}

func (c *CopyObject) decode(d *stored.Decoder) {
	c.SrcBucket = d.Str()
	c.SrcKey = d.Str()
	c.DstBucket = d.Str()
	c.DstKey = d.Str()
	c.ReplaceMeta = d.Bool()
	c.Meta = stored.DecodeMetadata(d)
	c.ForbidOverwrite = d.Bool()
	c.Cond.IfMatch = d.Str()
	c.Cond.IfNoneMatch = d.Str()
	c.Cond.IfModifiedSince = d.OptInt()
	c.Cond.IfUnmodifiedSince = d.OptInt()
	c.MTime = d.Varint()
	if d.Tags {
		c.ReplaceTags = d.Bool()
		c.Tags = d.StrMap()
	}
}

func (c *DeleteObject) encode(e *stored.Encoder) { e.Str(c.Bucket); e.Str(c.Key) }
func (c *DeleteObject) decode(d *stored.Decoder) { c.Bucket = d.Str(); c.Key = d.Str() }

func (c *DeleteObjects) encode(e *stored.Encoder) { e.Str(c.Bucket); e.Strs(c.Keys) }
func (c *DeleteObjects) decode(d *stored.Decoder) { c.Bucket = d.Str(); c.Keys = d.Strs() }

func (c *CreateKey) encode(e *stored.Encoder) {
	e.Str(c.ID)
	e.Str(c.Secret)
	e.StrMap(c.Grants)
	e.Varint(c.Created)
}

func (c *CreateKey) decode(d *stored.Decoder) {
	c.ID = d.Str()
	c.Secret = d.Str()
	c.Grants = d.StrMap()
	c.Created = d.Varint()
}

func (c *SetGrants) encode(e *stored.Encoder) { e.Str(c.ID); e.StrMap(c.Grants) }
func (c *SetGrants) decode(d *stored.Decoder) { c.ID = d.Str(); c.Grants = d.StrMap() }

func (c *DeleteKey) encode(e *stored.Encoder) { e.Str(c.ID) }
func (c *DeleteKey) decode(d *stored.Decoder) { c.ID = d.Str() }

func (c *UpdateReplicas) encode(e *stored.Encoder) {
	e.Str(c.Blob)
	e.Strs(c.Expect)
	e.Strs(c.Replicas)
}

func (c *UpdateReplicas) decode(d *stored.Decoder) {
	c.Blob = d.Str()
	c.Expect = d.Strs()
	c.Replicas = d.Strs()
}

// Codec versions of the commands that may need version 2 (see
// codecVersion): UpdateReplicas always, PutObject and AppendObject when a
// blob segment carries its replica list; PutObject needs version 3 for its
// S3 fields and 4 for part checksums (which Apply refuses in a put, but the
// codec carries every value faithfully).

func (*UpdateReplicas) codecVersion() uint8 { return 2 }

func (c *PutObject) codecVersion() uint8 {
	if stored.NeedsTags(&c.Object) {
		return tagsVersion
	}
	if stored.NeedsSums(&c.Object) {
		return sumsVersion
	}
	if stored.NeedsExt(&c.Object) || c.IfMatch != "" {
		return extVersion
	}
	return segmentsVersion(c.Object.Segments)
}

func (c *AppendObject) codecVersion() uint8 {
	if len(c.Tags) > 0 {
		return tagsVersion
	}
	if c.SetACL {
		return aclVersion
	}
	return segmentsVersion([]Segment{c.Segment})
}

// codecVersion: a copy that replaces the tags needs version 6; one that
// keeps the source's is the command older code wrote.
func (c *CopyObject) codecVersion() uint8 {
	if c.ReplaceTags || len(c.Tags) > 0 {
		return tagsVersion
	}
	return 1
}

// segmentsVersion is the version segs need: 2 as soon as one is written as
// segPlaced (package stored).
func segmentsVersion(segs []Segment) uint8 {
	for i := range segs {
		if !segs[i].Inline() && len(segs[i].Replicas) > 0 {
			return 2
		}
	}
	return 1
}
