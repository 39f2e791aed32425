package ossapi

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"hash/crc64"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/object"
)

// fakeLayer is a small in-memory object.Layer and object.KeyStore for the
// HTTP layer's unit tests. It implements the contract's observable rules
// (owners, positions, markers, common prefixes) but nothing about
// durability; the real engine is exercised by the server package's tests.
type fakeLayer struct {
	mu      sync.Mutex
	buckets map[string]*fakeBucket
	keys    map[string]object.AccessKey
	now     time.Time
}

type fakeBucket struct {
	info    object.BucketInfo
	objects map[string]*fakeObject
}

type fakeObject struct {
	info object.ObjectInfo
	data []byte
}

var crcTable = crc64.MakeTable(crc64.ECMA)

func newFakeLayer() *fakeLayer {
	return &fakeLayer{
		buckets: map[string]*fakeBucket{},
		keys:    map[string]object.AccessKey{},
		now:     time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

func (f *fakeLayer) tick() time.Time {
	f.now = f.now.Add(time.Second)
	return f.now
}

func (f *fakeLayer) CreateBucket(_ context.Context, name string, opts object.BucketOptions) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b, ok := f.buckets[name]; ok {
		if b.info.Owner != opts.Owner {
			return object.ErrBucketAlreadyExists
		}
		return nil
	}
	f.buckets[name] = &fakeBucket{
		info:    object.BucketInfo{Name: name, Created: f.tick(), ACL: opts.ACL, StorageClass: opts.StorageClass, Owner: opts.Owner},
		objects: map[string]*fakeObject{},
	}
	return nil
}

func (f *fakeLayer) bucket(name string) (*fakeBucket, error) {
	b, ok := f.buckets[name]
	if !ok {
		return nil, fmt.Errorf("bucket %s: %w", name, object.ErrBucketNotFound)
	}
	return b, nil
}

func (f *fakeLayer) DeleteBucket(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(name)
	if err != nil {
		return err
	}
	if len(b.objects) > 0 {
		return object.ErrBucketNotEmpty
	}
	delete(f.buckets, name)
	return nil
}

func (f *fakeLayer) GetBucket(_ context.Context, name string) (object.BucketInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(name)
	if err != nil {
		return object.BucketInfo{}, err
	}
	return b.info, nil
}

func (f *fakeLayer) ListBuckets(_ context.Context, opts object.ListBucketsOptions) (object.ListBucketsResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var names []string
	for n := range f.buckets {
		if strings.HasPrefix(n, opts.Prefix) && n > opts.Marker {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var res object.ListBucketsResult
	for _, n := range names {
		if len(res.Buckets) == opts.MaxKeys {
			res.IsTruncated = true
			res.NextMarker = res.Buckets[len(res.Buckets)-1].Name
			break
		}
		res.Buckets = append(res.Buckets, f.buckets[n].info)
	}
	return res, nil
}

func (f *fakeLayer) BucketStats(_ context.Context, name string) (object.BucketStats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(name)
	if err != nil {
		return object.BucketStats{}, err
	}
	var s object.BucketStats
	for _, o := range b.objects {
		s.Objects++
		s.Bytes += o.info.Size
	}
	return s, nil
}

func readBody(body io.Reader, size int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, size))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != size {
		return nil, object.ErrIncompleteBody
	}
	return data, nil
}

func (f *fakeLayer) PutObject(_ context.Context, bucket, key string, body io.Reader, size int64, opts object.PutOptions) (object.ObjectInfo, error) {
	data, err := readBody(body, size)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	sum := md5.Sum(data)
	if opts.ContentMD5 != nil && !bytes.Equal(opts.ContentMD5, sum[:]) {
		return object.ObjectInfo{}, object.ErrBadDigest
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(bucket)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	if _, ok := b.objects[key]; ok && opts.ForbidOverwrite {
		return object.ObjectInfo{}, object.ErrObjectAlreadyExists
	}
	info := object.ObjectInfo{
		Bucket: bucket, Key: key, Size: size,
		ETag: fmt.Sprintf("\"%X\"", sum[:]), MD5: sum[:],
		CRC64: crc64.Checksum(data, crcTable), Type: object.TypeNormal,
		LastModified: f.tick(), Metadata: opts.Metadata,
	}
	b.objects[key] = &fakeObject{info: info, data: data}
	return info, nil
}

func (f *fakeLayer) AppendObject(_ context.Context, bucket, key string, position int64, body io.Reader, size int64, opts object.PutOptions) (object.ObjectInfo, error) {
	data, err := readBody(body, size)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(bucket)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	o, ok := b.objects[key]
	switch {
	case ok && o.info.Type != object.TypeAppendable:
		return object.ObjectInfo{}, object.ErrObjectNotAppendable
	case ok && o.info.Size != position:
		return object.ObjectInfo{}, &object.PositionError{Length: o.info.Size}
	case !ok && position != 0:
		return object.ObjectInfo{}, &object.PositionError{Length: 0}
	}
	if !ok {
		o = &fakeObject{info: object.ObjectInfo{Bucket: bucket, Key: key, Type: object.TypeAppendable, Metadata: opts.Metadata}}
		b.objects[key] = o
	}
	o.data = append(append([]byte(nil), o.data...), data...)
	o.info.Size = int64(len(o.data))
	o.info.CRC64 = crc64.Checksum(o.data, crcTable)
	o.info.ETag = fmt.Sprintf("\"%016X-%d\"", o.info.CRC64, o.info.Size)
	o.info.LastModified = f.tick()
	return o.info, nil
}

func (f *fakeLayer) object(bucket, key string) (*fakeObject, error) {
	b, err := f.bucket(bucket)
	if err != nil {
		return nil, err
	}
	o, ok := b.objects[key]
	if !ok {
		return nil, object.ErrObjectNotFound
	}
	return o, nil
}

func (f *fakeLayer) GetObject(_ context.Context, bucket, key string, rng *object.Range) (object.ObjectInfo, io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, err := f.object(bucket, key)
	if err != nil {
		return object.ObjectInfo{}, nil, err
	}
	data := o.data
	if rng != nil {
		if rng.Start < 0 || rng.Length < 0 || rng.Start+rng.Length > int64(len(data)) {
			return object.ObjectInfo{}, nil, object.ErrInvalidArgument
		}
		data = data[rng.Start : rng.Start+rng.Length]
	}
	return o.info, io.NopCloser(bytes.NewReader(data)), nil
}

func (f *fakeLayer) HeadObject(_ context.Context, bucket, key string) (object.ObjectInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, err := f.object(bucket, key)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	return o.info, nil
}

func (f *fakeLayer) CopyObject(_ context.Context, src, dst object.ObjectRef, opts object.CopyOptions) (object.ObjectInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.object(src.Bucket, src.Key)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	db, err := f.bucket(dst.Bucket)
	if err != nil {
		return object.ObjectInfo{}, err
	}
	if opts.Condition.IfMatch != "" && !etagListMatches(opts.Condition.IfMatch, s.info.ETag) {
		return object.ObjectInfo{}, object.ErrPreconditionFailed
	}
	if _, ok := db.objects[dst.Key]; ok && opts.ForbidOverwrite {
		return object.ObjectInfo{}, object.ErrObjectAlreadyExists
	}
	info := s.info
	info.Bucket, info.Key = dst.Bucket, dst.Key
	info.LastModified = f.tick()
	if opts.ReplaceMetadata {
		info.Metadata = opts.Metadata
	}
	db.objects[dst.Key] = &fakeObject{info: info, data: s.data}
	return info, nil
}

func (f *fakeLayer) DeleteObject(_ context.Context, bucket, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(bucket)
	if err != nil {
		return err
	}
	delete(b.objects, key)
	return nil
}

func (f *fakeLayer) DeleteObjects(_ context.Context, bucket string, keys []string) ([]object.DeletedObject, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(bucket)
	if err != nil {
		return nil, err
	}
	out := make([]object.DeletedObject, 0, len(keys))
	for _, k := range keys {
		delete(b.objects, k)
		out = append(out, object.DeletedObject{Key: k})
	}
	return out, nil
}

func (f *fakeLayer) ListObjects(_ context.Context, bucket string, opts object.ListOptions) (object.ListResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.bucket(bucket)
	if err != nil {
		return object.ListResult{}, err
	}
	var keys []string
	for k := range b.objects {
		if strings.HasPrefix(k, opts.Prefix) && k > opts.Marker {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var res object.ListResult
	n := 0
	last := ""
	for _, k := range keys {
		if opts.Delimiter != "" {
			if i := strings.Index(k[len(opts.Prefix):], opts.Delimiter); i >= 0 {
				cp := k[:len(opts.Prefix)+i+len(opts.Delimiter)]
				if cp == last || strings.HasPrefix(opts.Marker, cp) {
					continue
				}
				if n == opts.MaxKeys {
					res.IsTruncated, res.NextMarker = true, last
					return res, nil
				}
				res.CommonPrefixes = append(res.CommonPrefixes, cp)
				last, n = cp, n+1
				continue
			}
		}
		if n == opts.MaxKeys {
			res.IsTruncated, res.NextMarker = true, last
			return res, nil
		}
		res.Objects = append(res.Objects, b.objects[k].info)
		last, n = k, n+1
	}
	return res, nil
}

func (f *fakeLayer) CreateKey(_ context.Context, k object.AccessKey) (object.AccessKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if old, ok := f.keys[k.ID]; ok && old.Secret != k.Secret {
		return object.AccessKey{}, object.ErrKeyConflict
	}
	f.keys[k.ID] = k
	return k, nil
}

func (f *fakeLayer) GetKey(_ context.Context, id string) (object.AccessKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.keys[id]
	if !ok {
		return object.AccessKey{}, object.ErrKeyNotFound
	}
	return k, nil
}

func (f *fakeLayer) ListKeys(context.Context) ([]object.AccessKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []object.AccessKey
	for _, k := range f.keys {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (f *fakeLayer) SetGrants(_ context.Context, id string, grants map[string]object.Access) (object.AccessKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.keys[id]
	if !ok {
		return object.AccessKey{}, object.ErrKeyNotFound
	}
	k.Grants = grants
	f.keys[id] = k
	return k, nil
}

func (f *fakeLayer) DeleteKey(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.keys, id)
	return nil
}

// headerVerifier authenticates by a test header naming the access key:
// unit tests of the HTTP layer need no signatures (the real verifier is
// exercised end to end by the server package).
type headerVerifier struct{}

const testKeyHeader = "X-Test-Access-Key"

func (headerVerifier) Authenticate(_ context.Context, r *http.Request, _, _ string) (auth.Result, error) {
	id := r.Header.Get(testKeyHeader)
	switch id {
	case "":
		return auth.Result{}, auth.ErrAnonymous
	case "bad-signature":
		return auth.Result{}, &auth.SignatureError{AccessKeyID: id, StringToSign: "GET\n\n\n", SignatureProvided: "xyz"}
	case "skewed":
		return auth.Result{}, auth.ErrRequestTimeTooSkewed
	case "unknown":
		return auth.Result{}, auth.ErrInvalidAccessKeyID
	}
	return auth.Result{AccessKeyID: id, PayloadSHA256: r.Header.Get("X-Oss-Content-Sha256")}, nil
}
