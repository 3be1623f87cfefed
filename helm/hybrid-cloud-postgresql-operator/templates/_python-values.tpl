{{- /*
The keys of the Python operator's chart (MaibornWolff/hybrid-cloud-postgresql-operator), so its
values files install unchanged: mapped where this chart has the same thing (replicaCount, pod.*,
extraLabelsSelector in _helpers.tpl, service.targetPort), accepted and reported in NOTES where it
has not (serviceAccount.clusterAdmin, tokenExpirationWorkaround). Each helper answers this chart's
value unless the old key is set.
*/ -}}
{{- define "operator.replicas" -}}
{{- if kindIs "invalid" .Values.replicaCount }}{{ .Values.replicas }}{{ else }}{{ .Values.replicaCount }}{{ end }}
{{- end }}

{{- define "operator.httpPort" -}}
{{- $port := .Values.httpPort }}
{{- range ((.Values.pod | default dict).ports | default list) }}
{{- if and (eq (.name | default "") "http") .containerPort }}{{ $port = .containerPort }}{{ end }}
{{- end }}
{{- $port }}
{{- end }}

{{- define "operator.resources" -}}
{{- toYaml (((.Values.pod | default dict).resources) | default .Values.resources) }}
{{- end }}

{{- /* A probe's timings: this chart's, overridden by the timing fields of the Python chart's pod.<probe> (its handler is not used). */ -}}
{{- define "operator.probeTimings" -}}
{{- $old := pick (.old | default dict) "initialDelaySeconds" "periodSeconds" "timeoutSeconds" "failureThreshold" "successThreshold" }}
{{- toYaml (merge $old (.new | default dict)) }}
{{- end }}

{{- /* The NOTES lines about the Python chart's values (rendered by tests through a ConfigMap). */ -}}
{{- define "operator.pythonValuesNotes" -}}
{{- $ignored := list }}
{{- if .Values.serviceAccount.clusterAdmin }}
{{- $ignored = append $ignored "serviceAccount.clusterAdmin: no cluster-admin binding; the operator gets exactly the permissions it uses (rbac.*)" }}
{{- end }}
{{- if .Values.tokenExpirationWorkaround }}
{{- $ignored = append $ignored "tokenExpirationWorkaround: not needed; the operator re-reads its service account token" }}
{{- end }}
{{- with .Values.pod }}
{{- if or .livenessProbe .readinessProbe }}
{{- $ignored = append $ignored "pod.livenessProbe/readinessProbe: only their timing fields are used; the probes check /healthz and /readyz" }}
{{- end }}
{{- end }}
{{- if $ignored }}

Values of the Python operator's chart that this chart accepts but does not apply:
{{- range $ignored }}
  - {{ . }}
{{- end }}
{{- end }}
{{- if and .Values.image.tag (not .Values.image.digest) }}

image.tag is "{{ .Values.image.tag }}": it must name a release of this operator. A tag from the
Python operator's values file (same image repository) runs the Python operator.
{{- end }}
{{- end }}
