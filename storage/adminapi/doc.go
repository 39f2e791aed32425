// Package adminapi defines the wire contract of kossd's admin API: the
// paths under /-/admin/v1/, the JSON request and response bodies, the error
// codes, and the sentinel errors clients map them to.
//
// The API is served by every kossd node, authenticated by the OSS V1
// signature of the Region's root access key (the canonical resource is the
// request path, e.g. "/-/admin/v1/keys/AK1") and refused with 403 to anyone
// else. Bodies are JSON; errors are {"code": ..., "message": ...} with one
// of the Code constants.
//
//	POST   /-/admin/v1/keys                 create an access key (CreateKeyRequest → AccessKey with secret)
//	GET    /-/admin/v1/keys                 list access keys (KeyList, no secrets)
//	GET    /-/admin/v1/keys/{id}            get one (AccessKey, no secret)
//	PUT    /-/admin/v1/keys/{id}/grants     replace its grants (SetGrantsRequest → AccessKey)
//	DELETE /-/admin/v1/keys/{id}            delete it (204; also when absent)
//	GET    /-/admin/v1/buckets              list buckets (BucketList, without statistics)
//	PUT    /-/admin/v1/buckets/{name}       create a bucket for an owner (CreateBucketRequest → Bucket)
//	GET    /-/admin/v1/buckets/{name}       bucket statistics (Bucket)
//	DELETE /-/admin/v1/buckets/{name}       delete an empty bucket (204)
//	DELETE /-/admin/v1/buckets/{name}/uploads  abort its open multipart uploads (AbortUploadsResult)
//	GET    /-/admin/v1/cluster              cluster status (ClusterStatus)
//
// The package depends on the standard library only, so that the operator can
// use it without pulling in the storage engine.
package adminapi
