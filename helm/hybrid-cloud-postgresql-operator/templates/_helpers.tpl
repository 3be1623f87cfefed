{{- define "operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /* The release's full name; the release name alone when it already contains the chart name. */ -}}
{{- define "operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- /* The Python operator chart's extraLabelsSelector: its Deployment's selector had them (immutable). */ -}}
{{- range $key, $value := .Values.extraLabelsSelector }}
{{ $key }}: {{ $value | quote }}
{{- end }}
{{- end }}

{{- define "operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: operator
{{- with .Values.extraLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "operator.leaseName" -}}
{{- default (include "operator.fullname" .) .Values.leaderElection.leaseName }}
{{- end }}

{{- define "operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- /* The operator config file's text, whether operatorConfig is a YAML string or a map. */ -}}
{{- define "operator.configText" -}}
{{- if kindIs "string" .Values.operatorConfig }}
{{- .Values.operatorConfig }}
{{- else }}
{{- toYaml .Values.operatorConfig }}
{{- end }}
{{- end }}

{{- /* "true" when cert-manager Certificate permissions are wanted (rbac.certManager, or "auto" and the config sets tls.issuer.name with TLS on). */ -}}
{{- define "operator.certManagerRbac" -}}
{{- $mode := .Values.rbac.certManager }}
{{- if kindIs "bool" $mode }}
{{- ternary "true" "" $mode }}
{{- else }}
{{- $config := include "operator.configText" . | fromYaml }}
{{- $tls := $config.tls | default dict }}
{{- $issuer := $tls.issuer | default dict }}
{{- ternary "true" "" (and (ne (toString $tls.enabled) "false") (not (empty $issuer.name))) }}
{{- end }}
{{- end }}

{{- /* "true" when the Bitnami chart permissions are wanted (rbac.helmBackend, or "auto" and the config uses helmbitnami). */ -}}
{{- define "operator.helmBackendRbac" -}}
{{- $mode := .Values.rbac.helmBackend }}
{{- if kindIs "bool" $mode }}
{{- ternary "true" "" $mode }}
{{- else }}
{{- $config := include "operator.configText" . | fromYaml }}
{{- if hasKey $config "Error" }}
{{- fail (printf "operatorConfig is not valid YAML: %s" (get $config "Error")) }}
{{- end }}
{{- $backends := concat (list ($config.backend | default "")) ($config.allowed_backends | default list) }}
{{- ternary "true" "" (has "helmbitnami" $backends) }}
{{- end }}
{{- end }}

{{- /*
Exactly the permissions the operator uses where the CRs live (all namespaces or each watched
namespace). Leases are in a separate Role in the release namespace.
*/ -}}
{{- define "operator.rules" -}}
# The CRs: read and watch them, add/remove the finalizer, write their status.
- apiGroups: ["hybridcloud.maibornwolff.de"]
  resources: ["postgresqlservers", "postgresqldatabases", "postgresqltables"]
  verbs: ["get", "list", "watch", "update", "patch"]
- apiGroups: ["hybridcloud.maibornwolff.de"]
  resources: ["postgresqlservers/status", "postgresqldatabases/status", "postgresqltables/status"]
  verbs: ["update", "patch"]
- apiGroups: ["hybridcloud.maibornwolff.de"]
  resources: ["postgresqlservers/finalizers", "postgresqldatabases/finalizers", "postgresqltables/finalizers"]
  verbs: ["update"]
# Credentials Secrets, the admin password Secrets (and the Helm backend's release records).
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# The in-cluster backends' Services and StatefulSets.
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["apps"]
  resources: ["statefulsets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# The statefulset backend's pg_hba.conf of each server (TLS).
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "create", "patch"]
# The in-cluster backends' volumes: resize on a storage increase, remove on delete (pvc_cleanup),
# create the backup volume claim.
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["get", "list", "create", "patch", "delete"]
# Observing whether an in-cluster server's pods are ready (and reading backup pods' results).
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
# The operator's backup CronJob per server (statefulset; helmbitnami with backup.s3), and the backup/restore Jobs it reads.
- apiGroups: ["batch"]
  resources: ["cronjobs"]
  verbs: ["get", "create", "patch", "delete"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "create"]
# Events on the CRs for every action and failure.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- if include "operator.helmBackendRbac" . }}
# The objects the Bitnami PostgreSQL chart renders besides Secrets, Services and StatefulSets.
- apiGroups: [""]
  resources: ["serviceaccounts", "configmaps"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# The chart's backup CronJob (backup.cronjob).
- apiGroups: ["batch"]
  resources: ["cronjobs"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
{{- end }}
{{- if include "operator.certManagerRbac" . }}
# cert-manager Certificates of the servers' TLS (config tls.issuer.name): made, read, their spec
# set; deleted when a server moves back to the operator's CA.
- apiGroups: ["cert-manager.io"]
  resources: ["certificates"]
  verbs: ["get", "create", "patch", "delete"]
{{- end }}
{{- with .Values.rbac.extraRules }}
# rbac.extraRules
{{ toYaml . }}
{{- end }}
{{- end }}

{{- /* Config choices the chart's objects must agree with; fails the install with a clear message. */ -}}
{{- define "operator.validate" -}}
{{- $config := include "operator.configText" . | fromYaml }}
{{- $shutdown := $config.shutdown_timeout_seconds | default 20 }}
{{- if ge (float64 $shutdown) (float64 .Values.terminationGracePeriodSeconds) }}
{{- fail (printf "operatorConfig shutdown_timeout_seconds (%v) must be below terminationGracePeriodSeconds (%v), or reconciles are killed before they finish" $shutdown .Values.terminationGracePeriodSeconds) }}
{{- end }}
{{- $leaseNamespace := (($config.leader_election | default dict).namespace) | default "" }}
{{- if and $leaseNamespace (ne $leaseNamespace .Release.Namespace) }}
{{- fail (printf "operatorConfig leader_election.namespace (%s) must be empty or the release namespace (%s): the chart grants the Lease there only" $leaseNamespace .Release.Namespace) }}
{{- end }}
{{- end }}
