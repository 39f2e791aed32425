package record

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// asVersion encodes c and relabels it with codec version v.
func asVersion(v uint8, c Command) []byte {
	b := Encode(c)
	b[1] = v
	return b
}

func sampleCommands() map[string]Command {
	meta := Metadata{
		ContentType: "text/plain", CacheControl: "no-cache", ContentDisposition: "inline",
		ContentEncoding: "gzip", ContentLanguage: "en", Expires: "Wed, 21 Oct 2015 07:28:00 GMT",
		ACL: "private", StorageClass: "IA", User: map[string]string{"a": "1", "b": "", "z": "zz"},
	}
	return map[string]Command{
		"create bucket": &CreateBucket{Name: "b1", Created: 1700000000123456789, ACL: "public-read", StorageClass: "Archive", Owner: "ns/name/uid"},
		"delete bucket": &DeleteBucket{Name: "b1"},
		"put inline": &PutObject{Bucket: "b", Key: "k/\x01é", ForbidOverwrite: true, Object: Object{
			Size: 3, ETag: `"ABC"`, MD5: []byte{1, 2, 3}, CRC64: 1 << 63, Type: TypeNormal, MTime: -5, Meta: meta,
			Segments: []Segment{{Size: 3, CRC64: 9, Data: []byte("abc")}},
		}},
		"put blobs": &PutObject{Bucket: "b", Key: "k", Object: Object{
			Size: 10, Type: TypeAppendable, Segments: []Segment{{Blob: "0123", Size: 4, CRC64: 1}, {Blob: "4567", Size: 6, CRC64: 2}},
		}},
		"put empty": &PutObject{Bucket: "b", Key: "k", Object: Object{Type: TypeNormal}},
		"append":    &AppendObject{Bucket: "b", Key: "k", Position: 1 << 40, Segment: Segment{Blob: "ab", Size: 5, CRC64: 3}, MTime: 42, Meta: meta},
		"copy": &CopyObject{SrcBucket: "s", SrcKey: "sk", DstBucket: "d", DstKey: "dk", ReplaceMeta: true, Meta: meta,
			ForbidOverwrite: true, MTime: 7, Cond: Condition{IfMatch: `"x"`, IfNoneMatch: "*", IfModifiedSince: ptr(int64(-1)), IfUnmodifiedSince: ptr(int64(0))}},
		"copy no conditions": &CopyObject{SrcBucket: "s", SrcKey: "sk", DstBucket: "d", DstKey: "dk"},
		"delete object":      &DeleteObject{Bucket: "b", Key: "k"},
		"delete objects":     &DeleteObjects{Bucket: "b", Keys: []string{"a", "b", ""}},
		"create key":         &CreateKey{ID: "id", Secret: "s3cr3t", Grants: map[string]string{"b": "read", "a": "write"}, Created: 1},
		"set grants":         &SetGrants{ID: "id", Grants: map[string]string{"x": "readwrite"}},
		"delete key":         &DeleteKey{ID: "id"},
		"put placed": &PutObject{Bucket: "b", Key: "k", Object: Object{
			Size: 4, Type: TypeNormal, Segments: []Segment{{Blob: "0123", Size: 4, CRC64: 1, Replicas: []string{"n1", "n2"}}},
		}},
		"append placed":   &AppendObject{Bucket: "b", Key: "k", Segment: Segment{Blob: "ab", Size: 5, CRC64: 3, Replicas: []string{"n3"}}},
		"update replicas": &UpdateReplicas{Blob: "ab", Expect: []string{"n1"}, Replicas: []string{"n1", "n2", "n3"}},
		"create upload": &CreateUpload{Upload: Upload{Bucket: "b", Key: "k", ID: "0A1B", Initiated: 1700000000123456789,
			Meta: meta, ForbidOverwrite: true}},
		"put part placed": &PutPart{Bucket: "b", Key: "k", UploadID: "0A1B", Part: Part{Number: 10000, Size: 5, MD5: []byte{1, 2},
			CRC64: 3, MTime: 4, Segment: &Segment{Blob: "ab", Size: 5, CRC64: 3, Replicas: []string{"n1", "n2"}}}},
		"put part inline": &PutPart{Bucket: "b", Key: "k", UploadID: "0A1B", Part: Part{Number: 1, Size: 2, MD5: []byte{9},
			CRC64: 8, MTime: 7, Segment: &Segment{Size: 2, CRC64: 8, Data: []byte("hi")}}},
		"put part empty": &PutPart{Bucket: "b", Key: "k", UploadID: "0A1B", Part: Part{Number: 2, MD5: []byte{0xd4}}},
		"complete upload": &CompleteUpload{Bucket: "b", Key: "k", UploadID: "0A1B",
			Parts: []CompletePart{{Number: 1, ETag: `"AA"`}, {Number: 3, ETag: `"BB"`}}, ForbidOverwrite: true, ACL: "private", MTime: 9},
		"complete all":        &CompleteUpload{Bucket: "b", Key: "k", UploadID: "0A1B", All: true, MTime: -1},
		"abort upload":        &AbortUpload{Bucket: "b", Key: "k", UploadID: "0A1B"},
		"abort stale uploads": &AbortStaleUploads{Before: 1700000000123456789, Max: 100},
		// Codec version 3: the S3 fields.
		"put s3": &PutObject{Bucket: "b", Key: "k", IfMatch: `"ABC"`, Object: Object{
			Size: 2, ETag: `"E"`, MD5: []byte{1}, CRC64: 4, Type: TypeNormal, MTime: 6,
			Checksum: Checksum{Algorithm: "CRC32", Value: "AAAAAA==", Type: "FULL_OBJECT"},
			Segments: []Segment{{Size: 2, CRC64: 4, Data: []byte("hi")}},
		}},
		"put s3 if-match placed": &PutObject{Bucket: "b", Key: "k", IfMatch: "x", ForbidOverwrite: true, Object: Object{
			Size: 4, Type: TypeNormal, Segments: []Segment{{Blob: "0123", Size: 4, CRC64: 1, Replicas: []string{"n1"}}},
		}},
		"create upload s3": &CreateUpload{Upload: Upload{Bucket: "b", Key: "k", ID: "0A1B", Initiated: 5, Sequential: true,
			Checksum: Checksum{Algorithm: "CRC32C", Type: "COMPOSITE"}}},
		"put part s3": &PutPart{Bucket: "b", Key: "k", UploadID: "0A1B", Part: Part{Number: 2, Size: 5, MD5: []byte{1, 2},
			CRC64: 3, MTime: 4, Segment: &Segment{Blob: "ab", Size: 5, CRC64: 3, Replicas: []string{"n1", "n2"}},
			Checksum: Checksum{Algorithm: "SHA256", Value: "q83v"}}},
		"complete s3": &CompleteUpload{Bucket: "b", Key: "k", UploadID: "0A1B", Parts: []CompletePart{{Number: 1, ETag: `"AA"`}},
			MTime: 9, IfMatch: `"OLD"`, KeepPartSizes: true,
			Checksum: Checksum{Algorithm: "CRC32", Value: "AAAAAA==-1", Type: "COMPOSITE"}},
		"complete s3 sequential": &CompleteUpload{Bucket: "b", Key: "k", UploadID: "0A1B", All: true, MTime: 9,
			MD5: []byte{0: 1, 15: 2}, KeepPartSizes: true},
		// Codec version 4: the part checksums.
		"complete part sums": &CompleteUpload{Bucket: "b", Key: "k", UploadID: "0A1B", Parts: []CompletePart{{Number: 1, ETag: `"AA"`}},
			MTime: 9, KeepPartSizes: true, KeepPartChecksums: true,
			Checksum: Checksum{Algorithm: "CRC32", Value: "AAAAAA==-1", Type: "COMPOSITE"}},
		"put part sums": &PutObject{Bucket: "b", Key: "k", Object: Object{Size: 1, Type: TypeNormal,
			Checksum:      Checksum{Algorithm: "CRC32", Value: "AAAAAA==-1", Type: "COMPOSITE"},
			PartChecksums: []string{"AAAAAA=="}, Segments: []Segment{{Size: 1, CRC64: 2, Data: []byte("x")}}}},
		// Codec version 5: SetBucketACL.
		"set bucket acl": &SetBucketACL{Name: "b1", ACL: "public-read-write"},
		"append set acl": &AppendObject{Bucket: "b", Key: "k", Position: 3, Segment: Segment{Size: 1, CRC64: 2, Data: []byte("x")},
			MTime: 4, Meta: Metadata{ACL: "public-read"}, SetACL: true},
		// Codec version 6: tags and symlinks.
		"put tags": &PutObject{Bucket: "b", Key: "k", Object: Object{Size: 1, ETag: `"E"`, Type: TypeNormal,
			Tags: map[string]string{"b": "2", "a": ""}, Segments: []Segment{{Size: 1, CRC64: 2, Data: []byte("x")}}}},
		"put symlink": &PutObject{Bucket: "b", Key: "l", Object: Object{Type: TypeSymlink, ETag: `"S"`, MTime: 5,
			Meta: Metadata{ACL: "public-read"}, SymlinkTarget: "dir/t"}},
		"append tags": &AppendObject{Bucket: "b", Key: "k", Segment: Segment{Size: 1, CRC64: 2, Data: []byte("x")},
			MTime: 4, Tags: map[string]string{"k": "v"}},
		"copy replace tags": &CopyObject{SrcBucket: "s", SrcKey: "sk", DstBucket: "d", DstKey: "dk", MTime: 7,
			ReplaceTags: true, Tags: map[string]string{"k": "v"}},
		"copy remove tags":      &CopyObject{SrcBucket: "s", SrcKey: "sk", DstBucket: "d", DstKey: "dk", MTime: 7, ReplaceTags: true},
		"create upload tags":    &CreateUpload{Upload: Upload{Bucket: "b", Key: "k", ID: "0A", Initiated: 5, Tags: map[string]string{"k": "v"}}},
		"set object tagging":    &SetObjectTagging{Bucket: "b", Key: "k", Tags: map[string]string{"k2": "v2", "k1": "v1"}},
		"delete object tagging": &SetObjectTagging{Bucket: "b", Key: "k"},
		"set bucket tagging":    &SetBucketTagging{Name: "b", Tags: map[string]string{"owner": "team"}},
		// Codec version 7: CORS.
		"set bucket cors": &SetBucketCors{Name: "b", CORS: &CORS{ResponseVary: true, Rules: []CORSRule{
			{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PUT", "GET"}},
			{AllowedOrigins: []string{"http://a.example", "https://*.b.example"}, AllowedMethods: []string{"GET"},
				AllowedHeaders: []string{"x-oss-*", "Authorization"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: ptr(int64(100))},
		}}},
		"delete bucket cors": &SetBucketCors{Name: "b"},
		// Codec version 8: lifecycle.
		"set bucket lifecycle":    &SetBucketLifecycle{Name: "b", Lifecycle: sampleLifecycle()},
		"delete bucket lifecycle": &SetBucketLifecycle{Name: "b"},
		"abort uploads lifecycle": &AbortLifecycleUploads{Bucket: "b", Now: 1700000000000000000, Day: Day, Uploads: []UploadRef{
			{Key: "logs/u", UploadID: "id1"}, {Key: "logs/v", UploadID: "id2"}}},
		"expire objects lifecycle": &ExpireObjects{Bucket: "b", Now: 1700000000000000000, Day: Day, Objects: []Expired{
			{Key: "logs/a", ETag: `"A"`, MTime: 1600000000000000000}, {Key: "logs/b", ETag: `"B-2"`, MTime: 5}}},
	}
}

func TestCodecRoundTrip(t *testing.T) {
	for name, c := range sampleCommands() {
		t.Run(name, func(t *testing.T) {
			b := Encode(c)
			if CommandType(b[0]) != c.Type() || b[1] != commandVersion(c) {
				t.Fatalf("header = %x", b[:2])
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c) {
				t.Fatalf("round trip:\n got %#v\nwant %#v", got, c)
			}
			// Deterministic: the same value encodes to the same bytes.
			if again := Encode(got); string(again) != string(b) {
				t.Fatal("re-encoding differs")
			}
		})
	}
}

// TestCodecVersions pins which commands need codec version 2 (those with
// replica lists), 3 (those with S3 fields) and 4 (those with part
// checksums), so older nodes keep applying everything else.
func TestCodecVersions(t *testing.T) {
	for name, c := range sampleCommands() {
		want := uint8(1)
		switch {
		case strings.Contains(name, "cors"):
			want = 7
		case strings.Contains(name, "lifecycle"):
			want = 8
		case strings.Contains(name, "tag") || strings.Contains(name, "symlink"):
			want = 6
		case strings.Contains(name, "acl"):
			want = 5
		case strings.Contains(name, "part sums"):
			want = 4
		case strings.Contains(name, "s3"):
			want = 3
		case strings.Contains(name, "placed") || strings.Contains(name, "replicas"):
			want = 2
		}
		if got := Encode(c)[1]; got != want {
			t.Errorf("%s: version %d, want %d", name, got, want)
		}
	}
}

func TestDecodeRejectsMalformedInput(t *testing.T) {
	for name, c := range sampleCommands() {
		t.Run(name, func(t *testing.T) {
			b := Encode(c)
			for n := 0; n < len(b); n++ {
				if _, err := Decode(b[:n]); err == nil {
					t.Fatalf("Decode of %d/%d bytes succeeded", n, len(b))
				}
			}
			if _, err := Decode(append(b, 0)); err == nil {
				t.Fatal("Decode with a trailing byte succeeded")
			}
		})
	}
	tests := map[string]struct {
		in  []byte
		err error
	}{
		"unknown type":   {[]byte{0xEE, 1}, ErrUnknownCommand},
		"type zero":      {[]byte{0, 1}, ErrUnknownCommand},
		"version zero":   {[]byte{byte(CmdDeleteKey), 0, 0}, nil},
		"future version": {[]byte{byte(CmdDeleteKey), codecVersion + 1, 0}, nil},
		"unsorted map":   {[]byte{byte(CmdSetGrants), 1, 0, 2, 1, 'b', 0, 1, 'a', 0}, nil},
		// UpdateReplicas did not exist in version 1.
		"v2 command as v1": {[]byte{byte(CmdUpdateReplicas), 1, 1, 'x', 0, 1, 1, 'n'}, nil},
		// SetBucketACL did not exist before version 5.
		"v5 command as v4": {[]byte{byte(CmdSetBucketACL), 4, 1, 'b', 7, 'p', 'r', 'i', 'v', 'a', 't', 'e'}, nil},
		// A version-1 encoding relabelled version 3 lacks the S3 fields.
		"v1 payload as v3": {asVersion(3, &PutObject{Bucket: "b", Key: "k", Object: Object{Type: TypeNormal}}), nil},
		// A version-3 encoding relabelled version 4 lacks KeepPartChecksums;
		// a version-4 one relabelled 3 has a byte too many.
		"v3 payload as v4": {asVersion(4, &CompleteUpload{Bucket: "b", Key: "k", UploadID: "u", All: true, KeepPartSizes: true}), nil},
		"v4 payload as v3": {asVersion(3, &CompleteUpload{Bucket: "b", Key: "k", UploadID: "u", All: true, KeepPartChecksums: true}), nil},
		// A version-1 AppendObject relabelled version 5 lacks SetACL.
		"v1 append as v5": {asVersion(5, &AppendObject{Bucket: "b", Key: "k"}), nil},
		// SetBucketCors did not exist before version 7.
		"v7 command as v6": {asVersion(6, &SetBucketCors{Name: "b"}), nil},
		// SetBucketLifecycle did not exist before version 8.
		"v8 command as v7": {asVersion(7, &SetBucketLifecycle{Name: "b"}), nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(tc.in)
			if err == nil || (tc.err != nil && !errors.Is(err, tc.err)) {
				t.Fatalf("Decode = %v, want %v", err, tc.err)
			}
		})
	}
}
