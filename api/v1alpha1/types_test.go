package v1alpha1

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

func TestAddToSchemeRegistersEveryKind(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := AddToScheme(scheme); err != nil {
		t.Fatalf("AddToScheme: %v", err)
	}
	tests := map[string]struct {
		obj  runtime.Object
		kind string
	}{
		"Region":        {obj: &Region{}, kind: "Region"},
		"RegionList":    {obj: &RegionList{}, kind: "RegionList"},
		"Bucket":        {obj: &Bucket{}, kind: "Bucket"},
		"BucketList":    {obj: &BucketList{}, kind: "BucketList"},
		"AccessKey":     {obj: &AccessKey{}, kind: "AccessKey"},
		"AccessKeyList": {obj: &AccessKeyList{}, kind: "AccessKeyList"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			gvks, _, err := scheme.ObjectKinds(tc.obj)
			if err != nil {
				t.Fatalf("ObjectKinds: %v", err)
			}
			want := SchemeGroupVersion.WithKind(tc.kind)
			if len(gvks) != 1 || gvks[0] != want {
				t.Fatalf("ObjectKinds = %v, want [%v]", gvks, want)
			}
			if want.Group != "koss.io" || want.Version != "v1alpha1" {
				t.Fatalf("group version = %v, want koss.io/v1alpha1", want.GroupVersion())
			}
		})
	}
}

func TestBucketName(t *testing.T) {
	tests := map[string]struct {
		bucket Bucket
		want   string
	}{
		"spec.name wins": {
			bucket: Bucket{ObjectMeta: metav1.ObjectMeta{Name: "obj"}, Spec: BucketSpec{Name: "photos"}},
			want:   "photos",
		},
		"defaults to metadata.name": {
			bucket: Bucket{ObjectMeta: metav1.ObjectMeta{Name: "obj"}},
			want:   "obj",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.bucket.BucketName(); got != tc.want {
				t.Fatalf("BucketName() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAccessKeySecretName(t *testing.T) {
	tests := map[string]struct {
		key  AccessKey
		want string
	}{
		"spec.secretName wins": {
			key:  AccessKey{ObjectMeta: metav1.ObjectMeta{Name: "app"}, Spec: AccessKeySpec{SecretName: "app-oss"}},
			want: "app-oss",
		},
		"defaults to metadata.name": {
			key:  AccessKey{ObjectMeta: metav1.ObjectMeta{Name: "app"}},
			want: "app",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.key.SecretName(); got != tc.want {
				t.Fatalf("SecretName() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAccessKeyMaxSession(t *testing.T) {
	d := func(v time.Duration) *metav1.Duration { return &metav1.Duration{Duration: v} }
	wi := func(max *metav1.Duration) *AccessKeyWorkloadIdentity {
		return &AccessKeyWorkloadIdentity{ServiceAccounts: []string{"app"}, MaxSessionDuration: max}
	}
	tests := map[string]struct {
		spec AccessKeySpec
		want time.Duration
	}{
		"no workload identity":      {spec: AccessKeySpec{}, want: 0},
		"defaults to an hour":       {spec: AccessKeySpec{WorkloadIdentity: wi(nil)}, want: time.Hour},
		"maxSessionDuration is set": {spec: AccessKeySpec{WorkloadIdentity: wi(d(3 * time.Hour))}, want: 3 * time.Hour},
		"a shorter overlap caps it": {
			spec: AccessKeySpec{WorkloadIdentity: wi(d(3 * time.Hour)), Rotation: &AccessKeyRotation{Overlap: d(30 * time.Minute)}},
			want: 30 * time.Minute,
		},
		"the default overlap (1h) caps a longer session": {
			spec: AccessKeySpec{WorkloadIdentity: wi(d(2 * time.Hour)), Rotation: &AccessKeyRotation{}},
			want: time.Hour,
		},
		"a longer overlap does not lengthen it": {
			spec: AccessKeySpec{WorkloadIdentity: wi(nil), Rotation: &AccessKeyRotation{Overlap: d(24 * time.Hour)}},
			want: time.Hour,
		},
		"an overlap under 15m does not cap it": {
			spec: AccessKeySpec{WorkloadIdentity: wi(nil), Rotation: &AccessKeyRotation{Overlap: d(10 * time.Minute)}},
			want: time.Hour,
		},
		"an overlap of exactly 15m caps it": {
			spec: AccessKeySpec{WorkloadIdentity: wi(nil), Rotation: &AccessKeyRotation{Overlap: d(15 * time.Minute)}},
			want: 15 * time.Minute,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			k := AccessKey{Spec: tc.spec}
			if got := k.MaxSession(); got != tc.want {
				t.Fatalf("MaxSession() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRegionDesiredReplicas(t *testing.T) {
	tests := map[string]struct {
		replicas int32
		want     int32
	}{
		"unset (not defaulted by the API server)": {replicas: 0, want: DefaultRegionReplicas},
		"minimum": {replicas: 3, want: 3},
		"larger":  {replicas: 7, want: 7},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := Region{Spec: RegionSpec{Replicas: tc.replicas}}
			if got := r.DesiredReplicas(); got != tc.want {
				t.Fatalf("DesiredReplicas() = %d, want %d", got, tc.want)
			}
		})
	}
	if DefaultRegionReplicas < MinRegionReplicas {
		t.Fatalf("DefaultRegionReplicas %d < MinRegionReplicas %d", DefaultRegionReplicas, MinRegionReplicas)
	}
	if _, err := resource.ParseQuantity(DefaultRegionStorageSize); err != nil {
		t.Fatalf("DefaultRegionStorageSize %q: %v", DefaultRegionStorageSize, err)
	}
}

func TestRegionReferenceNamespacedName(t *testing.T) {
	tests := map[string]struct {
		ref  RegionReference
		want types.NamespacedName
	}{
		"own namespace when unset": {
			ref:  RegionReference{Name: "eu"},
			want: types.NamespacedName{Namespace: "team-a", Name: "eu"},
		},
		"explicit namespace": {
			ref:  RegionReference{Name: "eu", Namespace: "storage"},
			want: types.NamespacedName{Namespace: "storage", Name: "eu"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.ref.NamespacedName("team-a"); got != tc.want {
				t.Fatalf("NamespacedName() = %v, want %v", got, tc.want)
			}
		})
	}
}

// conditionsAccessor is what cluster-api style condition helpers expect of an object.
type conditionsAccessor interface {
	GetConditions() []metav1.Condition
	SetConditions([]metav1.Condition)
}

func TestConditionsAccessors(t *testing.T) {
	tests := map[string]struct {
		obj       conditionsAccessor
		condition string
		reason    string
	}{
		"Region":    {obj: &Region{}, condition: RegionAvailableCondition, reason: RegionQuorumAvailableReason},
		"Bucket":    {obj: &Bucket{}, condition: BucketReadyCondition, reason: BucketProvisionedReason},
		"AccessKey": {obj: &AccessKey{}, condition: AccessKeyReadyCondition, reason: AccessKeyIssuedReason},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			conds := tc.obj.GetConditions()
			if len(conds) != 0 {
				t.Fatalf("new object has conditions %v", conds)
			}
			meta.SetStatusCondition(&conds, metav1.Condition{Type: tc.condition, Status: metav1.ConditionTrue, Reason: tc.reason})
			tc.obj.SetConditions(conds)
			got := meta.FindStatusCondition(tc.obj.GetConditions(), tc.condition)
			if got == nil || got.Status != metav1.ConditionTrue || got.Reason != tc.reason {
				t.Fatalf("condition after SetConditions = %+v", got)
			}
		})
	}
}

// crdReasonPattern and crdTypePattern are the patterns metav1.Condition's schema enforces; a
// constant that does not match would make every status write fail at admission.
var (
	crdReasonPattern = regexp.MustCompile(`^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$`)
	crdTypePattern   = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
)

func TestConditionConstantsAreValid(t *testing.T) {
	condTypes := map[string]string{
		"RegionAvailableCondition":   RegionAvailableCondition,
		"RegionProgressingCondition": RegionProgressingCondition,
		"RegionDegradedCondition":    RegionDegradedCondition,
		"RegionDeletingCondition":    RegionDeletingCondition,
		"BucketReadyCondition":       BucketReadyCondition,
		"AccessKeyReadyCondition":    AccessKeyReadyCondition,
	}
	for name, v := range condTypes {
		if !crdTypePattern.MatchString(v) {
			t.Errorf("%s = %q does not match the condition type pattern", name, v)
		}
	}
	reasons := []string{
		RegionQuorumAvailableReason, RegionQuorumUnavailableReason, RegionCreatingReason,
		RegionScalingUpReason, RegionScalingDownReason, RegionRollingOutReason, RegionUpToDateReason,
		RegionReplicasUnavailableReason, RegionUnderReplicatedReason, RegionHealthyReason,
		RegionBucketsExistReason, RegionDeletionInProgressReason, RegionKossdUnreachableReason,
		BucketProvisionedReason, BucketAlreadyExistsReason, BucketNotEmptyReason,
		BucketRegionNotFoundReason, BucketRegionNotReadyReason, BucketRegionNotAllowedReason,
		BucketKossdUnreachableReason, BucketProvisioningFailedReason, BucketDeletingReason,
		AccessKeyIssuedReason, AccessKeyBucketNotFoundReason, AccessKeyBucketNotReadyReason,
		AccessKeyBucketInOtherRegionReason, AccessKeyRegionNotFoundReason, AccessKeyRegionNotReadyReason,
		AccessKeyRegionNotAllowedReason, AccessKeySecretConflictReason, AccessKeyKossdUnreachableReason,
		AccessKeyRevokingReason,
	}
	for _, r := range reasons {
		if !crdReasonPattern.MatchString(r) {
			t.Errorf("reason %q does not match the condition reason pattern", r)
		}
	}
	// The finalizers are part of the contract with existing clusters (DESIGN.md, Names).
	finalizers := map[string]string{
		RegionFinalizer:    "koss.io/region",
		BucketFinalizer:    "koss.io/bucket",
		AccessKeyFinalizer: "koss.io/accesskey",
	}
	for got, want := range finalizers {
		if got != want {
			t.Errorf("finalizer %q, want %q", got, want)
		}
	}
}

func TestDeepCopyIsIndependent(t *testing.T) {
	class := "fast"
	region := &Region{
		ObjectMeta: metav1.ObjectMeta{Name: "eu", Labels: map[string]string{"a": "b"}},
		Spec: RegionSpec{
			Replicas:         3,
			Storage:          RegionStorage{Size: resource.MustParse("1Gi"), StorageClassName: &class},
			Resources:        corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}},
			BucketNamespaces: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}},
			External:         RegionExternal{Enabled: true, Annotations: map[string]string{"lb": "x"}},
		},
		Status: RegionStatus{Conditions: []metav1.Condition{{Type: RegionAvailableCondition}}},
	}
	bucket := &Bucket{
		Spec:   BucketSpec{RegionRef: RegionReference{Name: "eu"}, Name: "photos"},
		Status: BucketStatus{Conditions: []metav1.Condition{{Type: BucketReadyCondition}}},
	}
	key := &AccessKey{
		Spec:   AccessKeySpec{RegionRef: RegionReference{Name: "eu"}, Buckets: []BucketGrant{{Name: "photos", Access: BucketAccessRead}}},
		Status: AccessKeyStatus{Conditions: []metav1.Condition{{Type: AccessKeyReadyCondition}}},
	}

	tests := map[string]struct {
		orig   runtime.Object
		mutate func(runtime.Object)
	}{
		"Region": {orig: region, mutate: func(o runtime.Object) {
			r := o.(*Region)
			*r.Spec.Storage.StorageClassName = "slow"
			r.Spec.BucketNamespaces.MatchLabels["team"] = "b"
			r.Spec.External.Annotations["lb"] = "y"
			r.Spec.Resources.Limits[corev1.ResourceCPU] = resource.MustParse("2")
			r.Labels["a"] = "c"
			r.Status.Conditions[0].Type = "Changed"
		}},
		"Bucket": {orig: bucket, mutate: func(o runtime.Object) {
			o.(*Bucket).Status.Conditions[0].Type = "Changed"
		}},
		"AccessKey": {orig: key, mutate: func(o runtime.Object) {
			k := o.(*AccessKey)
			k.Spec.Buckets[0].Access = BucketAccessWrite
			k.Status.Conditions[0].Type = "Changed"
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			before := tc.orig.DeepCopyObject()
			cp := tc.orig.DeepCopyObject()
			if !reflect.DeepEqual(cp, tc.orig) {
				t.Fatalf("DeepCopyObject differs from the original")
			}
			tc.mutate(cp)
			if !reflect.DeepEqual(before, tc.orig) {
				t.Fatalf("mutating the copy changed the original")
			}
		})
	}
}

func TestJSONOmitsUnsetParts(t *testing.T) {
	tests := map[string]struct {
		obj     any
		absent  []string
		present []string
	}{
		"Bucket without status or optional spec": {
			obj:     &Bucket{ObjectMeta: metav1.ObjectMeta{Name: "b"}, Spec: BucketSpec{RegionRef: RegionReference{Name: "eu"}}},
			absent:  []string{`"status"`, `"name":""`, `"deletionPolicy"`, `"acl"`, `"namespace"`, `"tags"`, `"cors"`, `"corsResponseVary"`, `"lifecycle"`},
			present: []string{`"spec":{"regionRef":{"name":"eu"}}`},
		},
		// An empty tags map means "no tags", unlike an unset one ("leave the tags alone"): it
		// must survive a round trip through JSON, so it may not be omitted.
		"Bucket declaring no tags": {
			obj:     &Bucket{ObjectMeta: metav1.ObjectMeta{Name: "b"}, Spec: BucketSpec{RegionRef: RegionReference{Name: "eu"}, Tags: map[string]string{}}},
			present: []string{`"tags":{}`},
		},
		// Likewise an empty cors list means "no CORS", unlike an unset one.
		"Bucket declaring no CORS": {
			obj:     &Bucket{ObjectMeta: metav1.ObjectMeta{Name: "b"}, Spec: BucketSpec{RegionRef: RegionReference{Name: "eu"}, CORS: []BucketCORSRule{}}},
			present: []string{`"cors":[]`},
		},
		// Likewise an empty lifecycle list means "no rules", unlike an unset one.
		"Bucket declaring no lifecycle rules": {
			obj:     &Bucket{ObjectMeta: metav1.ObjectMeta{Name: "b"}, Spec: BucketSpec{RegionRef: RegionReference{Name: "eu"}, Lifecycle: []BucketLifecycleRule{}}},
			present: []string{`"lifecycle":[]`},
		},
		"Region with empty spec": {
			obj:     &Region{ObjectMeta: metav1.ObjectMeta{Name: "eu"}},
			absent:  []string{`"status"`, `"storage"`, `"resources"`, `"external"`, `"replicas"`, `"bucketNamespaces"`},
			present: []string{`"spec":{}`},
		},
		"AccessKey without grants": {
			obj:     &AccessKey{ObjectMeta: metav1.ObjectMeta{Name: "k"}, Spec: AccessKeySpec{RegionRef: RegionReference{Name: "eu"}}},
			absent:  []string{`"status"`, `"buckets"`, `"secretName"`},
			present: []string{`"regionRef"`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(tc.obj)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			for _, s := range tc.absent {
				if strings.Contains(string(b), s) {
					t.Errorf("JSON %s contains %s", b, s)
				}
			}
			for _, s := range tc.present {
				if !strings.Contains(string(b), s) {
					t.Errorf("JSON %s lacks %s", b, s)
				}
			}
		})
	}
}

// TestAccessKeyStatusHoldsNoSecret guards DESIGN.md's rule that the secret value never
// appears in status: the only secret-ish field allowed is the Secret's name.
func TestAccessKeyStatusHoldsNoSecret(t *testing.T) {
	st := reflect.TypeFor[AccessKeyStatus]()
	for i := range st.NumField() {
		f := st.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		if strings.Contains(strings.ToLower(tag), "secret") && tag != "secretName" {
			t.Errorf("AccessKeyStatus.%s (json %q) looks like it holds secret material", f.Name, tag)
		}
	}
}

func TestBucketIsProvisioned(t *testing.T) {
	cond := func(typ string, status metav1.ConditionStatus) metav1.Condition {
		return metav1.Condition{Type: typ, Status: status, Reason: "R"}
	}
	tests := map[string]struct {
		conditions []metav1.Condition
		want       bool
	}{
		"no conditions": {nil, false},
		"Provisioned and Ready": {[]metav1.Condition{
			cond(BucketProvisionedCondition, metav1.ConditionTrue), cond(BucketReadyCondition, metav1.ConditionTrue)}, true},
		"Provisioned while the Region is away": {[]metav1.Condition{
			cond(BucketProvisionedCondition, metav1.ConditionTrue), cond(BucketReadyCondition, metav1.ConditionFalse)}, true},
		"not Provisioned, whatever Ready says": {[]metav1.Condition{
			cond(BucketProvisionedCondition, metav1.ConditionFalse), cond(BucketReadyCondition, metav1.ConditionTrue)}, false},
		"Provisioned unknown yet": {[]metav1.Condition{
			cond(BucketProvisionedCondition, metav1.ConditionUnknown), cond(BucketReadyCondition, metav1.ConditionTrue)}, false},
		"an older status: Ready only": {[]metav1.Condition{cond(BucketReadyCondition, metav1.ConditionTrue)}, true},
		"an older status, not Ready":  {[]metav1.Condition{cond(BucketReadyCondition, metav1.ConditionFalse)}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b := &Bucket{Status: BucketStatus{Conditions: tc.conditions}}
			if got := b.IsProvisioned(); got != tc.want {
				t.Errorf("IsProvisioned = %v, want %v", got, tc.want)
			}
		})
	}
}
