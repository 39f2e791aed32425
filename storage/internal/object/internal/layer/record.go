package layer

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// The values' record forms and the checks the state machine repeats. They
// are here, beside the values, because package object and package
// multipart both build commands from the values and read them back from
// records.

// MetadataToRecord is m as the state machine stores it.
func MetadataToRecord(m Metadata) record.Metadata {
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

// MetadataFromRecord is the stored m as the Layer returns it.
func MetadataFromRecord(m record.Metadata) Metadata {
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

// Time is a record's time (nanoseconds since the epoch) in UTC.
func Time(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// ObjectInfoFromRecord is the object record o as the Layer returns it.
func ObjectInfoFromRecord(o *record.Object) ObjectInfo {
	return ObjectInfo{
		Bucket:        o.Bucket,
		Key:           o.Key,
		Size:          o.Size,
		ETag:          o.ETag,
		MD5:           slices.Clone(o.MD5),
		CRC64:         o.CRC64,
		Type:          o.Type,
		LastModified:  Time(o.MTime),
		Metadata:      MetadataFromRecord(o.Meta),
		Checksum:      ChecksumFromRecord(o.Checksum),
		PartSizes:     slices.Clone(o.PartSizes),
		PartChecksums: slices.Clone(o.PartChecksums),
		Tags:          maps.Clone(o.Tags),
		SymlinkTarget: o.SymlinkTarget,
	}
}

// ChecksumToRecord is c as the state machine stores it.
func ChecksumToRecord(c Checksum) record.Checksum {
	return record.Checksum{Algorithm: c.Algorithm, Value: c.Value, Type: c.Type}
}

// ChecksumFromRecord is the stored c as the Layer returns it.
func ChecksumFromRecord(c record.Checksum) Checksum {
	return Checksum{Algorithm: c.Algorithm, Value: c.Value, Type: c.Type}
}

// CheckChecksum refuses a checksum the state machine would refuse: a
// value or a type without an algorithm.
func CheckChecksum(c Checksum) error {
	if !ChecksumToRecord(c).Valid() {
		return fmt.Errorf("%w: checksum value or type without an algorithm", ErrInvalidArgument)
	}
	return nil
}

// CheckObjectTags refuses tags the state machine would refuse, and
// non-ASCII characters OSS does not allow (which Apply, table-free,
// cannot judge), with ErrInvalidTag. The state machine judges its part
// again: every replica runs Apply, whoever proposed the command.
func CheckObjectTags(tags map[string]string) error {
	if err := record.CheckObjectTags(tags); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidTag, err)
	}
	if !record.TagCharsStrict(tags) {
		return fmt.Errorf("%w: a tag has a character that is no letter or digit", ErrInvalidTag)
	}
	return nil
}

// TagsOrNil returns a copy of tags, nil when empty: records hold no empty
// maps, so an empty set and none encode alike.
func TagsOrNil(tags map[string]string) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	return maps.Clone(tags)
}

// CheckPut refuses the names, size and metadata of a write (PutObject,
// AppendObject, CreateUpload, PutSymlink) before anything is stored.
func CheckPut(bucket, key string, size int64, md Metadata) error {
	if err := ValidBucketName(bucket); err != nil {
		return err
	}
	if err := ValidObjectKey(key); err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("%w: negative size", ErrInvalidArgument)
	}
	if size > MaxObjectSize {
		return fmt.Errorf("%w: %d bytes", ErrEntityTooLarge, size)
	}
	if UserMetadataSize(md) > MaxUserMetadataSize {
		return ErrMetadataTooLarge
	}
	return nil
}

// UserMetadataSize is what counts against MaxUserMetadataSize.
func UserMetadataSize(m Metadata) int {
	n := 0
	for k, v := range m.User {
		n += len(k) + len(v)
	}
	return n
}
