package meta

import "github.com/koss-io/koss/storage/internal/meta/record"

// setBucketLifecycle replaces a bucket's lifecycle configuration (nil
// removes it), keeping its counters, tags, CORS and the rest of its
// record. Apply judges the configuration itself (record.CheckLifecycle)
// rather than trust whoever proposed the command.
func (a *applier) setBucketLifecycle(c *record.SetBucketLifecycle) *record.Result {
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
