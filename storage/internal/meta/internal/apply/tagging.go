package apply

import (
	"github.com/koss-io/koss/storage/internal/meta/record"

	"github.com/koss-io/koss/storage/internal/meta/internal/schema"
)

// setObjectTagging replaces an object's tags and nothing else: content,
// metadata, ETag and modification time stay (OSS keeps Last-Modified),
// and so do the bucket's counters and the blobs' reference counts, so the
// record is rewritten in place.
func (a *Applier) setObjectTagging(c *record.SetObjectTagging) *record.Result {
	if !validKey(c.Key) || record.CheckObjectTags(c.Tags) != nil {
		return reject(record.CodeInvalidArgument)
	}
	if _, ok := a.getBucket(c.Bucket); !ok {
		return reject(record.CodeBucketNotFound)
	}
	o, ok := a.getObject(c.Bucket, c.Key)
	if !ok {
		return reject(record.CodeObjectNotFound)
	}
	o.Tags = nil
	if len(c.Tags) > 0 {
		o.Tags = c.Tags
	}
	must(a.objects.Put(schema.ObjectKey(c.Bucket, c.Key), record.EncodeObject(withoutReplicas(&o))))
	r := withoutData(o)
	return &record.Result{Object: &r}
}

// setBucketTagging replaces a bucket's tags, keeping its counters and the
// rest of its record; the result carries the updated bucket.
func (a *Applier) setBucketTagging(c *record.SetBucketTagging) *record.Result {
	if !validBucket(c.Name) || record.CheckBucketTags(c.Tags) != nil {
		return reject(record.CodeInvalidArgument)
	}
	b, ok := a.getBucket(c.Name)
	if !ok {
		return reject(record.CodeBucketNotFound)
	}
	b.Tags = nil
	if len(c.Tags) > 0 {
		b.Tags = c.Tags
	}
	a.putBucket(&b)
	return &record.Result{Bucket: &b}
}
