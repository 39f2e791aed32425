{{/*
Names and labels shared by every template. Nothing here is random or time-dependent, so the
same values always render the same manifests (GitOps tools see no drift).
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "koss.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The base of resource names: fullnameOverride, else <release>-<name> (or <release> when it contains the name). */}}
{{- define "koss.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "koss.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The operator's name: Deployment, ServiceAccount, ClusterRole and Roles. */}}
{{- define "koss.operatorName" -}}
{{- printf "%s-operator" (include "koss.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* chart label value: <name>-<version>. */}}
{{- define "koss.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select the operator's pods; they never change after install. */}}
{{- define "koss.selectorLabels" -}}
app.kubernetes.io/name: {{ include "koss.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{/* Labels of every object of the chart. */}}
{{- define "koss.labels" -}}
helm.sh/chart: {{ include "koss.chart" . }}
{{ include "koss.selectorLabels" . }}
app.kubernetes.io/part-of: koss
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The ServiceAccount the manager runs as. */}}
{{- define "koss.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "koss.operatorName" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The manager image reference. */}}
{{- define "koss.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The kossd image reference handed to the manager (--kossd-image). */}}
{{- define "koss.kossdImage" -}}
{{- printf "%s:%s" .Values.kossdImage.repository (default .Chart.AppVersion .Values.kossdImage.tag) -}}
{{- end -}}

{{/* A bind address for a port: the pod IP (bindPodIP) or every interface. */}}
{{- define "koss.bindAddress" -}}
{{- if .root.Values.bindPodIP -}}
{{- printf "$(POD_IP):%d" (int .port) -}}
{{- else -}}
{{- printf ":%d" (int .port) -}}
{{- end -}}
{{- end -}}

{{/* watchNamespaces without duplicates, in the order given; fails on an empty entry. */}}
{{- define "koss.watchNamespaces" -}}
{{- $out := list -}}
{{- range .Values.watchNamespaces -}}
{{- if not . -}}
{{- fail "watchNamespaces must not contain an empty name" -}}
{{- end -}}
{{- $out = append $out (toString .) -}}
{{- end -}}
{{- $out | uniq | join "," -}}
{{- end -}}

{{/*
The manager's RBAC rules, generated from the +kubebuilder:rbac markers (config/rbac/role.yaml,
copied into files/rbac by `make helm-rbac`).
*/}}
{{- define "koss.managerRules" -}}
{{- $role := .Files.Get "files/rbac/role.yaml" | fromYaml -}}
{{- if not $role.rules -}}
{{- fail "files/rbac/role.yaml has no rules: run make manifests helm-rbac" -}}
{{- end -}}
{{- toYaml $role.rules -}}
{{- end -}}

{{/* The leader-election rules (config/rbac/leader_election_role.yaml, copied by `make helm-rbac`). */}}
{{- define "koss.leaderElectionRules" -}}
{{- $role := .Files.Get "files/rbac/leader_election_role.yaml" | fromYaml -}}
{{- if not $role.rules -}}
{{- fail "files/rbac/leader_election_role.yaml has no rules: run make helm-rbac" -}}
{{- end -}}
{{- toYaml $role.rules -}}
{{- end -}}

{{/*
The manager's rules split for watchNamespaces: "cluster" holds the rules on cluster-scoped
resources (namespaces, for spec.bucketNamespaces selectors) and non-resource URLs, which only
a ClusterRole can grant; "namespaced" holds everything else, granted by a Role in each watched
namespace. A rule that mixes both kinds is split in two with the same groups and verbs.
*/}}
{{- define "koss.splitManagerRules" -}}
{{- $clusterScoped := list "/namespaces" "/nodes" "/persistentvolumes" "/componentstatuses" "storage.k8s.io/storageclasses" "storage.k8s.io/csidrivers" "storage.k8s.io/csinodes" "storage.k8s.io/volumeattachments" "apiextensions.k8s.io/customresourcedefinitions" "rbac.authorization.k8s.io/clusterroles" "rbac.authorization.k8s.io/clusterrolebindings" "authentication.k8s.io/tokenreviews" "authorization.k8s.io/subjectaccessreviews" "authorization.k8s.io/selfsubjectaccessreviews" "certificates.k8s.io/certificatesigningrequests" "scheduling.k8s.io/priorityclasses" "admissionregistration.k8s.io/validatingwebhookconfigurations" "admissionregistration.k8s.io/mutatingwebhookconfigurations" -}}
{{- $cluster := list -}}
{{- $namespaced := list -}}
{{- range $rule := (include "koss.managerRules" . | fromYamlArray) -}}
{{- if $rule.nonResourceURLs -}}
{{- $cluster = append $cluster $rule -}}
{{- else -}}
{{- $c := list -}}
{{- $n := list -}}
{{- range $res := $rule.resources -}}
{{- $base := first (splitList "/" $res) -}}
{{- $isCluster := false -}}
{{- range $g := $rule.apiGroups -}}
{{- if has (printf "%s/%s" $g $base) $clusterScoped -}}
{{- $isCluster = true -}}
{{- end -}}
{{- end -}}
{{- if $isCluster -}}
{{- $c = append $c $res -}}
{{- else -}}
{{- $n = append $n $res -}}
{{- end -}}
{{- end -}}
{{- if $c -}}
{{- $cluster = append $cluster (set (deepCopy $rule) "resources" $c) -}}
{{- end -}}
{{- if $n -}}
{{- $namespaced = append $namespaced (set (deepCopy $rule) "resources" $n) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml (dict "cluster" $cluster "namespaced" $namespaced) -}}
{{- end -}}
