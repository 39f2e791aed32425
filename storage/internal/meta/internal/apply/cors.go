package apply

import "github.com/koss-io/koss/storage/internal/meta/record"

// setBucketCors replaces a bucket's CORS configuration (nil removes it),
// keeping its counters, tags and the rest of its record; the result
// carries the updated bucket. Apply judges the configuration itself
// (record.CheckCORS) rather than trust whoever proposed the command.
func (a *Applier) setBucketCors(c *record.SetBucketCors) *record.Result {
	if !validBucket(c.Name) || record.CheckCORS(c.CORS) != nil {
		return reject(record.CodeInvalidArgument)
	}
	b, ok := a.getBucket(c.Name)
	if !ok {
		return reject(record.CodeBucketNotFound)
	}
	b.CORS = c.CORS
	a.putBucket(&b)
	return &record.Result{Bucket: &b}
}
