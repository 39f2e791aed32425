package apply

import "github.com/koss-io/koss/storage/internal/meta/record"

// bucketACLs are the canned ACLs a bucket can be set to. The object layer
// checks them too, but Apply is what every replica runs, so it judges the
// value itself rather than trust whoever proposed the command.
var bucketACLs = map[string]bool{"private": true, "public-read": true, "public-read-write": true}

// setBucketACL replaces a bucket's ACL, keeping its counters and the rest
// of its record; the result carries the updated bucket.
func (a *Applier) setBucketACL(c *record.SetBucketACL) *record.Result {
	if !validBucket(c.Name) || !bucketACLs[c.ACL] {
		return reject(record.CodeInvalidArgument)
	}
	b, ok := a.getBucket(c.Name)
	if !ok {
		return reject(record.CodeBucketNotFound)
	}
	b.ACL = c.ACL
	a.putBucket(&b)
	return &record.Result{Bucket: &b}
}
