package object

import (
	"encoding/hex"
	"maps"
	"strings"

	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/object/bucketconfig"
	"github.com/koss-io/koss/storage/internal/object/internal/layer"
)

func toBucketInfo(b *record.Bucket) BucketInfo {
	return BucketInfo{
		Name:         b.Name,
		Created:      layer.Time(b.Created),
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
	return AccessKey{ID: k.ID, Secret: k.Secret, Grants: grants, Created: layer.Time(k.Created)}
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
