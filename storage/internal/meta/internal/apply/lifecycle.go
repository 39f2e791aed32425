package apply

import "github.com/koss-io/koss/storage/internal/meta/record"

// setBucketLifecycle replaces a bucket's lifecycle configuration (nil
// removes it), keeping its counters, tags, CORS and the rest of its
// record. Apply judges the configuration itself (record.CheckLifecycle)
// rather than trust whoever proposed the command.
func (a *Applier) setBucketLifecycle(c *record.SetBucketLifecycle) *record.Result {
	if !validBucket(c.Name) || record.CheckLifecycle(c.Lifecycle) != nil {
		return reject(record.CodeInvalidArgument)
	}
	b, ok := a.getBucket(c.Name)
	if !ok {
		return reject(record.CodeBucketNotFound)
	}
	b.Lifecycle = c.Lifecycle
	a.putBucket(&b)
	return &record.Result{Bucket: &b}
}

// expireObjects deletes the objects the lifecycle loop saw expire, each
// only if it is still the object the loop saw (same ETag and MTime: a
// re-written object stays) and the bucket's current rules still expire it
// at the command's time (rules changed or removed since the loop looked
// stop it). An object already gone is skipped, so nothing is deleted
// twice.
func (a *Applier) expireObjects(c *record.ExpireObjects) *record.Result {
	if c.Day < 1 {
		return reject(record.CodeInvalidArgument)
	}
	b, ok := a.getBucket(c.Bucket)
	if !ok {
		return reject(record.CodeBucketNotFound)
	}
	n := int64(0)
	for _, e := range c.Objects {
		o, ok := a.getObject(c.Bucket, e.Key)
		if !ok || o.ETag != e.ETag || o.MTime != e.MTime || !b.Lifecycle.ExpiresObject(e.Key, o.MTime, o.Tags, c.Now, c.Day) {
			continue
		}
		a.removeObject(c.Bucket, e.Key, &o)
		n++
	}
	return &record.Result{Length: n}
}

// abortLifecycleUploads aborts the uploads the lifecycle loop saw due,
// each only if it still exists and the bucket's current rules still abort
// it at the command's time.
func (a *Applier) abortLifecycleUploads(c *record.AbortLifecycleUploads) *record.Result {
	if c.Day < 1 {
		return reject(record.CodeInvalidArgument)
	}
	b, ok := a.getBucket(c.Bucket)
	if !ok {
		return reject(record.CodeBucketNotFound)
	}
	n := int64(0)
	for _, ref := range c.Uploads {
		u, code := a.getUpload(c.Bucket, ref.Key, ref.UploadID)
		if code != record.CodeOK || !b.Lifecycle.AbortsUpload(ref.Key, u.Initiated, c.Now, c.Day) {
			continue
		}
		a.dropUpload(&u)
		n++
	}
	return &record.Result{Length: n}
}
