{{/* Label values are quoted: a release named `n` or `yes` is a boolean to YAML 1.1. */}}

{{/* The release's base name: RELEASE-ordeal, or RELEASE when it already says ordeal. */}}
{{- define "ordeal.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ordeal.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | quote }}
{{- end -}}

{{- define "ordeal.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name | quote }}
app.kubernetes.io/instance: {{ .root.Release.Name | quote }}
app.kubernetes.io/component: {{ .component | quote }}
{{- end -}}

{{- define "ordeal.image" -}}
{{ printf "%s:%s" .Values.image.repository (toString .Values.image.tag) }}
{{- end -}}

{{- define "ordeal.server.name" -}}{{ include "ordeal.fullname" . }}-server{{- end -}}
{{- define "ordeal.agent.name" -}}{{ include "ordeal.fullname" . }}-agent{{- end -}}

{{/* The agent's token Secret: the user's, or the one the chart makes from agent.token.value. */}}
{{- define "ordeal.agent.tokenSecret" -}}
{{- if .Values.agent.token.existingSecret -}}
{{ .Values.agent.token.existingSecret }}
{{- else -}}
{{ include "ordeal.agent.name" . }}-token
{{- end -}}
{{- end -}}
