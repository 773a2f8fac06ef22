{{/*
Credentials the app reads from files (TLS material, passwords, NATS creds, the job secrets'
master key): each source is one operator Secret, mounted read-only under /etc/cronplane/<volume>,
and the app's *_FILE variable names the file. A list of sources, as YAML, for the env, mounts and
volumes below; an empty key leaves its file (and variable) out.
*/}}
{{- define "cronplane.secretFileSources" -}}
{{- $sources := list }}
{{- range $prefix, $conn := dict "ETCD" .Values.etcd "NATS" .Values.nats }}
{{- with $conn.tls }}
{{- if .secretName }}
{{- $files := list }}
{{- range $file := list (list .caKey "CA") (list .certKey "CERT") (list .keyKey "KEY") }}
{{- if index $file 0 }}
{{- $files = append $files (dict "key" (index $file 0) "env" (printf "%s_%s_FILE" $prefix (index $file 1))) }}
{{- end }}
{{- end }}
{{- $sources = append $sources (dict "volume" (printf "%s-tls" (lower $prefix)) "secret" .secretName "files" $files) }}
{{- end }}
{{- end }}
{{- with $conn.auth }}
{{- if .secretName }}
{{- $file := ternary (dict "key" .credsKey "env" "NATS_CREDS_FILE") (dict "key" .passwordKey "env" (printf "%s_PASSWORD_FILE" $prefix)) (not (empty .credsKey)) }}
{{- $sources = append $sources (dict "volume" (printf "%s-auth" (lower $prefix)) "secret" .secretName "files" (list $file)) }}
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.secrets }}
{{- if .existingSecret }}
{{- $files := list (dict "key" .keyKey "env" "CRON_SECRETS_KEY_FILE") }}
{{- if .previousKeyKey }}
{{- $files = append $files (dict "key" .previousKeyKey "env" "CRON_SECRETS_PREVIOUS_KEY_FILE") }}
{{- end }}
{{- $sources = append $sources (dict "volume" "secrets-key" "secret" .existingSecret "files" $files) }}
{{- end }}
{{- end }}
{{- toYaml $sources }}
{{- end }}

{{/* The *_FILE variables, and the user names that come from the same Secrets. */}}
{{- define "cronplane.secretFileEnv" -}}
{{- range $source := include "cronplane.secretFileSources" . | fromYamlArray }}
{{- range $source.files }}
- name: {{ .env }}
  value: {{ printf "/etc/cronplane/%s/%s" $source.volume .key | quote }}
{{- end }}
{{- end }}
{{- with .Values.etcd.auth }}
{{- if .secretName }}
- name: ETCD_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ .usernameKey }}
{{- end }}
{{- end }}
{{- with .Values.nats.auth }}
{{- if and .secretName (not .credsKey) }}
- name: NATS_USER
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ .userKey }}
{{- end }}
{{- end }}
{{- end }}

{{- define "cronplane.secretFileMounts" -}}
{{- range include "cronplane.secretFileSources" . | fromYamlArray }}
- name: {{ .volume }}
  mountPath: /etc/cronplane/{{ .volume }}
  readOnly: true
{{- end }}
{{- end }}

{{/* Group-readable (0440): the pod's fsGroup owns the files, the app runs in that group. */}}
{{- define "cronplane.secretFileVolumes" -}}
{{- range include "cronplane.secretFileSources" . | fromYamlArray }}
- name: {{ .volume }}
  secret:
    secretName: {{ .secret }}
    defaultMode: 288
    items:
      {{- range .files }}
      - key: {{ .key }}
        path: {{ .key }}
      {{- end }}
{{- end }}
{{- end }}
