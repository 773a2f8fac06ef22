{{/* Names: the chart name, and the release-qualified name every object is named after. */}}
{{- define "cronplane.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cronplane.fullname" -}}
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

{{/* Object names of each role; the worker's is short enough for pod names with an ordinal. */}}
{{- define "cronplane.masterName" -}}
{{- printf "%s-master" (include "cronplane.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cronplane.workerName" -}}
{{- printf "%s-worker" (include "cronplane.fullname" .) | trunc 52 | trimSuffix "-" }}
{{- end }}

{{- define "cronplane.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "cronplane.labels" -}}
helm.sh/chart: {{ include "cronplane.chart" . }}
{{ include "cronplane.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cronplane
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "cronplane.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cronplane.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels and selector labels of one role: call with (dict "root" $ "component" "master"). */}}
{{- define "cronplane.componentLabels" -}}
{{ include "cronplane.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "cronplane.componentSelectorLabels" -}}
{{ include "cronplane.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "cronplane.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cronplane.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "cronplane.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The chart's own Secret: generated tokens and inline connection URIs. */}}
{{- define "cronplane.secretName" -}}
{{- include "cronplane.fullname" . }}
{{- end }}

{{- define "cronplane.authSecretName" -}}
{{- default (include "cronplane.secretName" .) .Values.auth.existingSecret }}
{{- end }}

{{- define "cronplane.authKey" -}}
{{- if .root.Values.auth.existingSecret }}
{{- index .root.Values.auth.existingSecretKeys .name }}
{{- else }}
{{- index (dict "adminToken" "admin-token" "webhookSecret" "webhook-secret") .name }}
{{- end }}
{{- end }}

{{/*
A generated secret value that survives upgrades: the given value, else the one already in the
cluster's Secret (lookup; empty under `helm template`), else a new random one.
Call with (dict "root" $ "given" "..." "key" "admin-token").
*/}}
{{- define "cronplane.persistentSecretValue" -}}
{{- if .given }}
{{- .given }}
{{- else }}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace (include "cronplane.secretName" .root) }}
{{- $data := (get ($existing | default dict) "data") | default dict }}
{{- if hasKey $data .key }}
{{- index $data .key | b64dec }}
{{- else }}
{{- randAlphaNum 40 }}
{{- end }}
{{- end }}
{{- end }}

{{/* Variables the chart sets itself, so config.extra cannot contradict them. */}}
{{- define "cronplane.managedVariables" -}}
ROLE PORT WORKER_PORT ETCD_ENDPOINTS ETCD_PREFIX MONGODB_URI NATS_URL WORKER_ID WORKER_LABELS
CRON_ADMIN_TOKEN ALERT_WEBHOOK_SECRET ALERT_WEBHOOK_URL LOG_LEVEL LOG_PRETTY SESSION_TTL_SECONDS
WORKER_MAX_CONCURRENT WORKER_SHELL WORKER_DRAIN_SECONDS KILL_GRACE_SECONDS RUNLOG_SPOOL_DIR
ETCD_CA_FILE ETCD_CERT_FILE ETCD_KEY_FILE ETCD_USERNAME ETCD_PASSWORD ETCD_PASSWORD_FILE NATS_CA_FILE
NATS_CERT_FILE NATS_KEY_FILE NATS_CREDS_FILE NATS_USER NATS_PASSWORD NATS_PASSWORD_FILE
CRON_SECRETS_KEY_FILE CRON_SECRETS_PREVIOUS_KEY_FILE
{{- end }}

{{/* Connection variables both roles read, from the chart's Secret or the operator's. */}}
{{- define "cronplane.connectionEnv" -}}
{{- if .Values.etcd.existingSecret }}
- name: ETCD_ENDPOINTS
  valueFrom:
    secretKeyRef:
      name: {{ .Values.etcd.existingSecret }}
      key: {{ .Values.etcd.existingSecretKey }}
{{- end }}
- name: MONGODB_URI
  valueFrom:
    secretKeyRef:
      name: {{ default (include "cronplane.secretName" .) .Values.mongodb.existingSecret }}
      key: {{ ternary .Values.mongodb.existingSecretKey "mongodb-uri" (ne .Values.mongodb.existingSecret "") }}
{{- if or .Values.nats.existingSecret .Values.nats.url }}
- name: NATS_URL
  valueFrom:
    secretKeyRef:
      name: {{ default (include "cronplane.secretName" .) .Values.nats.existingSecret }}
      key: {{ ternary .Values.nats.existingSecretKey "nats-url" (ne .Values.nats.existingSecret "") }}
{{- end }}
{{- end }}

{{/*
Restarts pods when the ConfigMap or the Secret's inputs change. The Secret is summed from the
values it is made of, not from its rendering: generated tokens differ between renders of one
install (lookup finds nothing yet), and would make the first upgrade restart every pod.
*/}}
{{- define "cronplane.checksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ list .Values.auth .Values.mongodb .Values.nats .Values.etcd.existingSecret .Values.etcd.tls .Values.etcd.auth .Values.secrets | toJson | sha256sum }}
{{- end }}

{{/* The probes of one role, from its values. */}}
{{- define "cronplane.probes" -}}
{{- with .livenessProbe }}
livenessProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .readinessProbe }}
readinessProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .startupProbe }}
startupProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Scheduling fields of one role's pod spec. */}}
{{- define "cronplane.scheduling" -}}
{{- with .priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* WORKER_LABELS from a map: "k=v,k=v", sorted by key so the pod spec is stable. */}}
{{- define "cronplane.workerLabels" -}}
{{- $pairs := list }}
{{- range $key, $value := . }}
{{- $pairs = append $pairs (printf "%s=%s" $key (toString $value)) }}
{{- end }}
{{- join "," $pairs }}
{{- end }}

{{/*
An environment variable's text. YAML numbers reach templates as float64, which print as 1e+06;
whole numbers print as integers instead.
*/}}
{{- define "cronplane.envValue" -}}
{{- if and (kindIs "float64" .) (eq (float64 (int64 .)) .) }}
{{- int64 . }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}
