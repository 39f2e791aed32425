package object

import (
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/object/bucketconfig"
)

func toMetaMetadata(m Metadata) record.Metadata {
	return record.Metadata{
		ContentType:        m.ContentType,
		CacheControl:       m.CacheControl,
		ContentDisposition: m.ContentDisposition,
		ContentEncoding:    m.ContentEncoding,
		ContentLanguage:    m.ContentLanguage,
		Expires:            m.Expires,
		ACL:                m.ACL,
		StorageClass:       m.StorageClass,
		User:               maps.Clone(m.User),
	}
}

func fromMetaMetadata(m record.Metadata) Metadata {
	return Metadata{
		ContentType:        m.ContentType,
		CacheControl:       m.CacheControl,
		ContentDisposition: m.ContentDisposition,
		ContentEncoding:    m.ContentEncoding,
		ContentLanguage:    m.ContentLanguage,
		Expires:            m.Expires,
		ACL:                m.ACL,
		StorageClass:       m.StorageClass,
		User:               maps.Clone(m.User),
	}
}

func unixNano(ns int64) time.Time { return time.Unix(0, ns).UTC() }

func toObjectInfo(o *record.Object) ObjectInfo {
	return ObjectInfo{
		Bucket:        o.Bucket,
		Key:           o.Key,
		Size:          o.Size,
		ETag:          o.ETag,
		MD5:           slices.Clone(o.MD5),
		CRC64:         o.CRC64,
		Type:          o.Type,
		LastModified:  unixNano(o.MTime),
		Metadata:      fromMetaMetadata(o.Meta),
		Checksum:      fromMetaChecksum(o.Checksum),
		PartSizes:     slices.Clone(o.PartSizes),
		PartChecksums: slices.Clone(o.PartChecksums),
		Tags:          maps.Clone(o.Tags),
		SymlinkTarget: o.SymlinkTarget,
	}
}

func toMetaChecksum(c Checksum) record.Checksum {
	return record.Checksum{Algorithm: c.Algorithm, Value: c.Value, Type: c.Type}
}

func fromMetaChecksum(c record.Checksum) Checksum {
	return Checksum{Algorithm: c.Algorithm, Value: c.Value, Type: c.Type}
}

// checkChecksum refuses a checksum the state machine would refuse: a
// value or a type without an algorithm.
func checkChecksum(c Checksum) error {
	if !toMetaChecksum(c).Valid() {
		return fmt.Errorf("%w: checksum value or type without an algorithm", ErrInvalidArgument)
	}
	return nil
}

func toBucketInfo(b *record.Bucket) BucketInfo {
	return BucketInfo{
		Name:         b.Name,
		Created:      unixNano(b.Created),
		ACL:          b.ACL,
		StorageClass: b.StorageClass,
		Owner:        b.Owner,
		Objects:      b.Objects,
		Bytes:        b.Bytes,
		Tags:         maps.Clone(b.Tags),
		CORS:         bucketconfig.CORSFromRecord(b.CORS),
		Lifecycle:    bucketconfig.LifecycleFromRecord(b.Lifecycle),
	}
}

func toAccessKey(k *record.AccessKey) AccessKey {
	var grants map[string]Access
	if len(k.Grants) > 0 {
		grants = make(map[string]Access, len(k.Grants))
		for b, a := range k.Grants {
			grants[b] = Access(a)
		}
	}
	return AccessKey{ID: k.ID, Secret: k.Secret, Grants: grants, Created: unixNano(k.Created)}
}

func toMetaGrants(g map[string]Access) map[string]string {
	if len(g) == 0 {
		return nil
	}
	out := make(map[string]string, len(g))
	for b, a := range g {
		out[b] = string(a)
	}
	return out
}

// md5ETag is the ETag of a Normal object: its MD5 in quoted upper-case hex.
func md5ETag(sum []byte) string {
	return `"` + strings.ToUpper(hex.EncodeToString(sum)) + `"`
}

// userMetadataSize is what counts against MaxUserMetadataSize.
func userMetadataSize(m Metadata) int {
	n := 0
	for k, v := range m.User {
		n += len(k) + len(v)
	}
	return n
}
